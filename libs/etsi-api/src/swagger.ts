import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { SecuritySchemeObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { MUTUAL_TLS_SCHEME } from './etsi-keys.controller';

export const DOCS_PATH = 'api/docs';

export interface ApiDocumentOptions {
  readonly title: string;
  readonly description: string;
}

/** The OpenAPI document of a KME, built from the decorators of its controllers. */
export function buildOpenApiDocument(
  app: INestApplication,
  options: ApiDocumentOptions,
): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle(options.title)
    .setDescription(options.description)
    .setVersion('1.1.1')
    .addSecurity(MUTUAL_TLS_SCHEME, {
      // OpenAPI 3.1's mutualTLS scheme, which the library's 3.0 typings do not list yet.
      type: 'mutualTLS' as unknown as SecuritySchemeObject['type'],
      description:
        'TLS client certificate issued by the KME CA; the subject CN is the SAE ID (or, on the KME-to-KME API, the peer KME ID).',
    })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Serves Swagger UI at /api/docs and the JSON at /api/docs-json; neither needs a client certificate. */
export function setupSwagger(app: INestApplication, options: ApiDocumentOptions): OpenAPIObject {
  const document = buildOpenApiDocument(app, options);
  SwaggerModule.setup(DOCS_PATH, app, document, { jsonDocumentUrl: `${DOCS_PATH}-json` });
  return document;
}
