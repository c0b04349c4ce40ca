import {
  Logger,
  type DynamicModule,
  type INestApplication,
  type LogLevel as NestLogLevel,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { AddressInfo } from 'node:net';
import {
  ConfigurationError,
  loadKmeSettings,
  type KmeRole,
  type KmeSettings,
  type LogLevel,
} from '@app/config';
import { applyKmePlatform, createKmeHttpAdapter, kmeApplicationOptions } from './express-platform';
import { DOCS_PATH, setupSwagger, type ApiTag } from './swagger';
import { readTlsMaterial, type TlsMaterial } from './tls';

const LEVELS: Record<LogLevel, NestLogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  verbose: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

export type KmeModuleFactory = (settings: KmeSettings, tls: TlsMaterial) => DynamicModule;

/** What the API documentation of a KME shows, besides what its settings say. */
export interface KmeDocs {
  readonly title: string;
  /** Sections in reading order: the ETSI API first. */
  readonly tags: readonly ApiTag[];
  /** Fills the examples with what this KME accepts, so that "Try it out" works as it stands. */
  readonly personalize?: (document: OpenAPIObject, settings: KmeSettings) => OpenAPIObject;
}

/**
 * Starts one KME: HTTPS with mutual TLS (client certificates requested and verified against the
 * CA, required by the guards of the key routes, so that the API docs open without one), Swagger
 * UI, and graceful shutdown.
 */
export async function bootstrapKme(
  settings: KmeSettings,
  moduleFactory: KmeModuleFactory,
  docs: KmeDocs,
): Promise<INestApplication> {
  const tls = readTlsMaterial(settings.tls);
  const adapter = createKmeHttpAdapter();
  const app = await NestFactory.create<NestExpressApplication>(
    moduleFactory(settings, tls),
    adapter,
    {
      ...kmeApplicationOptions(tls, adapter),
      logger: LEVELS[settings.logLevel],
      abortOnError: false,
    },
  );
  applyKmePlatform(app);
  app.enableShutdownHooks();
  setupSwagger(app, {
    title: docs.title,
    siteTitle: `${settings.kmeId} (${settings.role} KME): ETSI GS QKD 014 API`,
    description: docsDescription(settings),
    tags: docs.tags,
    personalize: (document) => docs.personalize?.(document, settings) ?? document,
  });
  await app.listen(settings.port, settings.host);
  const address = app.getHttpServer().address() as AddressInfo;
  new Logger('Kme').log(
    `${settings.role} KME ${settings.kmeId} listening on https://${hostOf(address)}:${address.port} (Swagger UI at /${DOCS_PATH})`,
  );
  return app;
}

/** The address really bound, as a URL host: every interface says so. */
function hostOf(address: AddressInfo): string {
  if (address.address === '0.0.0.0' || address.address === '::') {
    return `${address.address === '::' ? '[::]' : '0.0.0.0'} (every interface)`;
  }
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}

function docsDescription(settings: KmeSettings): string {
  const sae = settings.attachedSaeIds[0];
  const peer = settings.linkedSaeIds[0];
  return [
    `**${settings.kmeId}**, the ${settings.role} KME of a simulated QKD link with ${settings.linkedKmeId}: the ETSI GS QKD 014 V1.1.1 key delivery API for its SAEs (${settings.attachedSaeIds.join(', ')}).`,
    '',
    'Every key route requires a TLS client certificate issued by the KME CA; the SAE ID is taken from it, never from the URL or the body. ' +
      `To use "Try it out", import your SAE's PKCS#12 file into the browser (the development PKI writes \`certs/${sae}.p12\`, password \`changeit\`). From a shell:`,
    '',
    '```',
    `curl --cacert certs/ca.crt --cert certs/${sae}.crt --key certs/${sae}.key \\`,
    `  "https://localhost:${settings.port}/api/v1/keys/${peer}/enc_keys?number=1&size=${settings.keys.defaultKeySize}"`,
    '```',
  ].join('\n');
}

/** Entry point of a KME process: settings from the environment, or exit 1 naming what is wrong. */
export function runKme(role: KmeRole, moduleFactory: KmeModuleFactory, docs: KmeDocs): void {
  let settings: KmeSettings;
  try {
    settings = loadKmeSettings(role);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`${role} KME cannot start: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  bootstrapKme(settings, moduleFactory, docs).catch((error: unknown) => {
    process.stderr.write(
      `${role} KME ${settings.kmeId} failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
