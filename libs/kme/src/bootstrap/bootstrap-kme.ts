import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Logger, type DynamicModule, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigurationError, KME_SETTINGS, type KmeSettings } from '@app/config';
import {
  DOCS_PATH,
  TLS_MATERIAL,
  applyKmePlatform,
  createKmeHttpAdapter,
  kmeHttpsOptions,
  setupSwagger,
  type TlsMaterial,
} from '@app/kme-server';
import { useKmeLogger } from '@app/observability';
import { stopGracefullyOnSignals } from './graceful-shutdown';
import { KME_DOCS, type KmeDocs } from './kme-docs';

/** A KME that serves: its application, its HTTPS server, its settings. */
export interface RunningKme {
  readonly app: NestExpressApplication;
  readonly server: Server;
  readonly settings: KmeSettings;
  /** The URL it answers at (its address as bound). */
  readonly url: string;
}

export interface BootstrapOptions {
  /** Exit 0 on SIGTERM/SIGINT after a graceful stop (default true: what a process wants). */
  readonly handleSignals?: boolean;
}

/**
 * Starts a Nest application that imports MasterKmeModule or SlaveKmeModule: the KME's HTTP
 * platform (Express with mutual TLS: client certificates requested and verified against the CA,
 * required by the guards of the key routes, so that the docs and health routes open without
 * one), its logs, Swagger UI, and a graceful stop. The HTTPS server is made here, once the
 * application knows its settings and TLS material, so that they can come from the module.
 */
export async function bootstrapKme(
  module: Type | DynamicModule,
  { handleSignals = true }: BootstrapOptions = {},
): Promise<RunningKme> {
  const adapter = createKmeHttpAdapter();
  const app = await NestFactory.create<NestExpressApplication>(module, adapter, {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  useKmeLogger(app);
  // Nest flushes what it buffered in listen(), which the KME does not call: its server is its own.
  app.flushLogs();
  const settings = app.get<KmeSettings>(KME_SETTINGS, { strict: false });
  const tls = app.get<TlsMaterial>(TLS_MATERIAL, { strict: false });
  const docs = app.get<KmeDocs>(KME_DOCS, { strict: false });
  const server = createServer(kmeHttpsOptions(tls, adapter), adapter.getInstance());
  // The adapter closes it with the application, and the platform's hooks find it there.
  adapter.setHttpServer(server);
  applyKmePlatform(app, server);
  setupSwagger(app, {
    title: docs.title,
    siteTitle: `${settings.kmeId} (${settings.role} KME): ETSI GS QKD 014 API`,
    description: docsDescription(settings),
    tags: docs.tags,
    personalize: (document) => docs.personalize?.(document, settings) ?? document,
  });
  await app.init();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const logger = new Logger('Kme');
  const address = server.address() as AddressInfo;
  const url = `https://${hostOf(address)}:${address.port}`;
  logger.log(
    `${settings.role} KME ${settings.kmeId} listening on ${url}${everyInterface(address)} (Swagger UI at /${DOCS_PATH})`,
  );
  if (handleSignals) stopGracefullyOnSignals(app, server, logger);
  return { app, server, settings, url };
}

/** The address really bound, as a URL host. */
function hostOf(address: AddressInfo): string {
  if (address.address === '0.0.0.0' || address.address === '::') return 'localhost';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}

const everyInterface = (address: AddressInfo): string =>
  address.address === '0.0.0.0' || address.address === '::'
    ? ` (bound to ${address.address}: every interface)`
    : '';

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

/**
 * Entry point of a KME process: starts it, or exits 1 saying what is wrong (a bad setting names
 * its variable).
 */
export function runKme(module: Type | DynamicModule, name: string): void {
  bootstrapKme(module).catch((error: unknown) => {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`${error.role ?? name} KME cannot start: ${error.message}\n`);
    } else {
      process.stderr.write(
        `${name} KME failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
    process.exit(1);
  });
}
