import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { SecuritySchemeObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

export const DOCS_PATH = 'api/docs';

/** The OpenAPI security scheme every key route requires: a TLS client certificate. */
export const MUTUAL_TLS_SCHEME = 'mutualTLS';

export interface ApiTag {
  readonly name: string;
  readonly description: string;
}

export interface ApiDocumentOptions {
  readonly title: string;
  /** Markdown, shown at the top of Swagger UI. */
  readonly description: string;
  /** The sections of the document, in the order a reader should meet them. */
  readonly tags: readonly ApiTag[];
}

/** The OpenAPI document of a KME, built from the decorators of its controllers. */
export function buildOpenApiDocument(
  app: INestApplication,
  options: ApiDocumentOptions,
): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle(options.title)
    .setDescription(options.description)
    .setVersion('1.1.1')
    .addSecurity(MUTUAL_TLS_SCHEME, {
      // OpenAPI 3.1's mutualTLS scheme, which the library's 3.0 typings do not list yet.
      type: 'mutualTLS' as unknown as SecuritySchemeObject['type'],
      description:
        'TLS client certificate issued by the KME CA; it names the SAE (or, on the KME-to-KME API, the peer KME).',
    });
  for (const tag of options.tags) builder.addTag(tag.name, tag.description);
  const document = SwaggerModule.createDocument(app, builder.build());
  return { ...document, paths: inTagOrder(document.paths, options.tags) };
}

/** Paths sorted by the first tag of their operations, in the order of `tags`; stable otherwise. */
function inTagOrder(
  paths: OpenAPIObject['paths'],
  tags: readonly ApiTag[],
): OpenAPIObject['paths'] {
  const rank = (item: OpenAPIObject['paths'][string]): number => {
    const operation = Object.values(item).find(
      (value): value is { tags?: string[] } => typeof value === 'object' && value !== null,
    );
    const index = tags.findIndex((tag) => operation?.tags?.includes(tag.name));
    return index === -1 ? tags.length : index;
  };
  return Object.fromEntries(
    Object.entries(paths)
      .map((entry, order) => ({ entry, order, rank: rank(entry[1]) }))
      .sort((a, b) => a.rank - b.rank || a.order - b.order)
      .map(({ entry }) => entry),
  );
}

/** Serves Swagger UI at /api/docs and the JSON at /api/docs-json; neither needs a client certificate. */
export function setupSwagger(
  app: INestApplication,
  options: ApiDocumentOptions & {
    readonly siteTitle: string;
    readonly personalize?: (document: OpenAPIObject) => OpenAPIObject;
  },
): OpenAPIObject {
  const built = buildOpenApiDocument(app, options);
  const document = options.personalize?.(built) ?? built;
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    customSiteTitle: options.siteTitle,
  });
  return document;
}
