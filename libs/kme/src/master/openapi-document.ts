import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { buildOpenApiDocument, createKmeHttpAdapter } from '@app/kme-server';
import { MASTER_KME_DOCS } from './master-docs';
import { MasterKmeModule } from './master-kme.module';

/** A port nothing listens on: building the document must not reach a real broker. */
const UNREACHABLE_BROKER = 'amqp://guest:guest@127.0.0.1:9';

/**
 * The OpenAPI document of the master KME (ETSI API and KME-to-KME API; the slave KME serves the
 * ETSI part), built from the decorators without starting a server, a store on disk or a broker.
 */
export async function buildMasterOpenApiDocument(): Promise<OpenAPIObject> {
  @Module({
    imports: [
      MasterKmeModule.forRoot({
        useEnvironment: false,
        config: { AMQP_URL: UNREACHABLE_BROKER, KEY_STORE: 'memory', LOG_LEVEL: 'error' },
        tls: { ca: Buffer.alloc(0), cert: Buffer.alloc(0), key: Buffer.alloc(0) },
      }),
    ],
  })
  class DocumentModule {}
  const app = await NestFactory.create(DocumentModule, createKmeHttpAdapter(), { logger: false });
  try {
    return buildOpenApiDocument(app, {
      title: 'QKD KME simulator',
      description:
        'ETSI GS QKD 014 V1.1.1 key delivery API served by both KMEs, and the KME-to-KME API of the master KME.',
      tags: MASTER_KME_DOCS.tags,
    });
  } finally {
    await app.close();
  }
}
