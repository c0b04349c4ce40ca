import {
  Inject,
  Injectable,
  Module,
  RequestMethod,
  type DynamicModule,
  type FactoryProvider,
  type ModuleMetadata,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { DeliveryEventsModule } from '../delivery/delivery-events.module';
import { DELIVERY_OBSERVERS } from '../delivery/delivery-observer.port';
import { AuditLog } from './audit.observer';
import { httpLoggingOptions } from './http-logging';
import type { KmeLoggerOptions } from './kme-logger.options';
import { RequestIdHook } from './request-id.hook';
import { createRootLogger } from './root-logger';

const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** Holds the one root logger, for the logging module and nestjs-pino's to share. */
@Module({})
class RootLoggerModule {}

export interface KmeLoggerAsyncOptions {
  readonly imports?: ModuleMetadata['imports'];
  readonly inject?: FactoryProvider['inject'];
  readonly useFactory: (...args: never[]) => KmeLoggerOptions;
}

/** Every path, in the route syntax of Express 5 (nestjs-pino's default is Express 4's `*`). */
const EVERY_ROUTE = [{ path: '{*path}', method: RequestMethod.ALL }];

/** Writes what is still buffered when the application closes. */
@Injectable()
class LogFlush implements OnApplicationShutdown {
  constructor(@Inject(ROOT_LOGGER) private readonly root: Logger) {}

  onApplicationShutdown(): void {
    this.root.flush();
  }
}

/**
 * Structured logs of a KME with nestjs-pino: JSON lines or pretty ones, request IDs, request
 * lines at debug level, audit lines of deliveries, no key material. Nest's own Logger goes
 * through it once the bootstrap calls useKmeLogger(app).
 */
@Module({})
export class KmeLoggerModule {
  static forRoot(options: KmeLoggerOptions): DynamicModule {
    return KmeLoggerModule.forRootAsync({ useFactory: () => options });
  }

  /** Options from the application's providers (its settings, say), resolved at start. */
  static forRootAsync({
    imports = [],
    inject = [],
    useFactory,
  }: KmeLoggerAsyncOptions): DynamicModule {
    const rootLogger: DynamicModule = {
      module: RootLoggerModule,
      imports,
      providers: [
        {
          provide: ROOT_LOGGER,
          inject,
          useFactory: (...args: never[]) => createRootLogger(useFactory(...args)),
        },
      ],
      exports: [ROOT_LOGGER],
    };
    return {
      module: KmeLoggerModule,
      imports: [
        rootLogger,
        LoggerModule.forRootAsync({
          imports: [rootLogger],
          inject: [ROOT_LOGGER],
          useFactory: (root: Logger) => ({
            pinoHttp: httpLoggingOptions(root),
            // Request lines are debug lines. Above debug nothing of a request is logged, so
            // its per-request child logger and async context (which makes every promise of the
            // request pay for async hooks) are not made at all: a third of a status request.
            forRoutes: root.isLevelEnabled('debug') ? EVERY_ROUTE : [],
          }),
        }),
        DeliveryEventsModule,
      ],
      providers: [
        LogFlush,
        RequestIdHook,
        AuditLog,
        { provide: DELIVERY_OBSERVERS, useExisting: AuditLog },
      ],
      exports: [LoggerModule],
    };
  }
}
