import {
  Logger,
  type DynamicModule,
  type INestApplication,
  type LogLevel as NestLogLevel,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  ConfigurationError,
  loadKmeSettings,
  type KmeRole,
  type KmeSettings,
  type LogLevel,
} from '@app/config';
import { setupSwagger } from '@app/etsi-api';
import { readTlsMaterial, type TlsMaterial } from './tls';

/** Largest request body accepted; a Key IDs body of max_key_per_request IDs is far smaller. */
const BODY_LIMIT_BYTES = 1024 * 1024;

const LEVELS: Record<LogLevel, NestLogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  verbose: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

export type KmeModuleFactory = (settings: KmeSettings, tls: TlsMaterial) => DynamicModule;

/**
 * Starts one KME: HTTPS with mutual TLS (client certificates requested, verified against the CA,
 * required by the key routes' guards so that the API docs open without one), Swagger UI, and
 * graceful shutdown.
 */
export async function bootstrapKme(
  settings: KmeSettings,
  moduleFactory: KmeModuleFactory,
  title: string,
): Promise<INestApplication> {
  const tls = readTlsMaterial(settings.tls);
  const adapter = new FastifyAdapter({
    https: {
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    },
    bodyLimit: BODY_LIMIT_BYTES,
    keepAliveTimeout: 65_000,
    // SAE IDs in the path have no length limit in the standard; Fastify's default is 100.
    maxParamLength: 512,
    // URLs Fastify cannot route (bad percent-encoding, over-long parameter) never reach Nest's
    // filter: answer them with an ETSI Error body too, as the client fault (400) they are.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      void reply
        .status(400)
        .header('Content-Type', 'application/json')
        .send({ message: error.message });
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    moduleFactory(settings, tls),
    adapter,
    { logger: LEVELS[settings.logLevel], abortOnError: false },
  );
  app.enableShutdownHooks();
  setupSwagger(app, {
    title,
    description: `${settings.kmeId}: ETSI GS QKD 014 V1.1.1 key delivery API for the SAEs ${settings.attachedSaeIds.join(', ')}.`,
  });
  await app.listen(settings.port, '0.0.0.0');
  new Logger('Kme').log(
    `${settings.role} KME ${settings.kmeId} listening on https://localhost:${settings.port} (Swagger UI at /api/docs)`,
  );
  return app;
}

/** Entry point of a KME process: settings from the environment, or exit 1 naming what is wrong. */
export function runKme(role: KmeRole, moduleFactory: KmeModuleFactory, title: string): void {
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
  bootstrapKme(settings, moduleFactory, title).catch((error: unknown) => {
    process.stderr.write(
      `${role} KME ${settings.kmeId} failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
