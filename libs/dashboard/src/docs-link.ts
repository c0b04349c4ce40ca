import type { OpenAPIObject } from '@nestjs/swagger';

export const DASHBOARD_PATH = '/dashboard';

/**
 * The API documentation with a line pointing at the dashboard, below its description: the page
 * Swagger UI shows is where people look first. A path without host, so that it resolves against
 * whatever host and port the reader used.
 */
export function withDashboardLink(document: OpenAPIObject): OpenAPIObject {
  const line =
    'Live view of both KMEs (pools, key rate, QBER, link, errors, events): the [dashboard](/dashboard), no certificate needed.';
  const description = document.info.description;
  return {
    ...document,
    info: { ...document.info, description: description ? `${description}\n\n${line}` : line },
  };
}
