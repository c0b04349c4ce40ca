import {
  Catch,
  Controller,
  Get,
  HttpException,
  HttpStatus,
  Logger,
  Module,
  Param,
  Query,
  type ArgumentsHost,
  type DynamicModule,
  type ExceptionFilter,
  type ModuleMetadata,
} from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { applyKmePlatform, createKmeHttpAdapter } from '@app/kme-server';
import { deliveryEventOf } from '../delivery/delivery-event';
import { RequestId } from '../logging/request-id.decorator';
import { DeliveryEvents } from '../delivery/delivery-events.service';
import { DeliveryEventsModule } from '../delivery/delivery-events.module';
import { KmeTelemetry } from '../kme-telemetry.port';
import { useKmeLogger } from '../logging/use-kme-logger';

/**
 * The observability modules in-process (CONVENTIONS habit 12) on the KME's own Express stack
 * (createKmeHttpAdapter, applyKmePlatform), over plain HTTP: TLS is the platform's and tested
 * there. KmeTelemetry is faked with values a test switches.
 */

export class FakeTelemetry extends KmeTelemetry {
  bits = 4096;
  broker = true;
  link = true;
  store = true;
  /** When set, every read throws it. */
  failure: Error | undefined;

  constructor(
    readonly kmeId = 'kme-1',
    readonly role: 'master' | 'slave' = 'master',
  ) {
    super();
  }

  availableBits(): number {
    return this.read(this.bits);
  }
  brokerConnected(): boolean {
    return this.read(this.broker);
  }
  linkUp(): boolean {
    return this.read(this.link);
  }
  storeWritable(): boolean {
    return this.read(this.store);
  }

  private read<T>(value: T): T {
    if (this.failure !== undefined) throw this.failure;
    return value;
  }
}

@Module({})
export class FakeTelemetryModule {
  static with(fake: FakeTelemetry): DynamicModule {
    return {
      module: FakeTelemetryModule,
      providers: [{ provide: KmeTelemetry, useValue: fake }],
      exports: [KmeTelemetry],
    };
  }
}

/** A catch-all filter like the ETSI one: every error, whatever it is, answers `{ message }`. */
@Catch()
export class MessageOnlyFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const status =
      exception instanceof HttpException ? exception.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR;
    const message = exception instanceof Error ? exception.message : 'internal error';
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), { message }, status);
  }
}

/** What the fake enc_keys route handed out last, to look for in logs and metrics. */
export interface HandedOut {
  keyIds: string[];
  keys: Buffer[];
}

export const handedOut: HandedOut = { keyIds: [], keys: [] };

/**
 * Routes shaped like the ETSI ones. enc_keys hands out fresh random keys, publishes the
 * delivery as an app does, and logs carelessly what it holds, as a buggy caller might.
 */
@Controller('api/v1/keys')
export class FakeKeysController {
  private readonly logger = new Logger('FakeKeys');

  constructor(private readonly events: DeliveryEvents) {}

  @Get(':slave_SAE_ID/status')
  status(@Param('slave_SAE_ID') slaveSaeId: string): Record<string, unknown> {
    this.logger.debug(`status for ${slaveSaeId}`);
    return { slave_SAE_ID: slaveSaeId };
  }

  @Get(':slave_SAE_ID/enc_keys')
  encKeys(
    @Param('slave_SAE_ID') slaveSaeId: string,
    @RequestId() requestId: string,
    @Query('number') number?: string,
  ): { keys: { key_ID: string; key: string }[] } {
    const count = Number(number ?? '1');
    const keys = Array.from({ length: count }, () => ({
      keyId: randomUUID(),
      key: randomBytes(32),
    }));
    handedOut.keyIds = keys.map((key) => key.keyId);
    handedOut.keys = keys.map((key) => key.key);
    this.events.publish(
      deliveryEventOf({
        route: 'enc_keys',
        callerSaeId: 'sae-1',
        peerSaeIds: [slaveSaeId],
        keys,
        requestId,
      }),
    );
    const container = {
      keys: keys.map(({ keyId, key }) => ({ key_ID: keyId, key: key.toString('base64') })),
    };
    this.logger.debug({ msg: 'answering', container, first: keys[0] });
    return container;
  }
}

export interface ObservedKmeOptions {
  readonly imports: ModuleMetadata['imports'];
  /** Register MessageOnlyFilter app-wide, as EtsiApiModule registers its filter. */
  readonly globalFilter?: boolean;
  /** Route Nest's Logger through the KME's pino logger (the app imports KmeLoggerModule). */
  readonly pinoLogger?: boolean;
  readonly controllers?: ModuleMetadata['controllers'];
}

/** A Nest application as bootstrapKme builds one, without TLS; init()ed, not listening. */
export async function startObservedKme({
  imports,
  globalFilter = true,
  pinoLogger = false,
  controllers = [FakeKeysController],
}: ObservedKmeOptions): Promise<NestExpressApplication> {
  const moduleRef = await Test.createTestingModule({
    // As an app does for its key delivery, which publishes.
    imports: [...(imports ?? []), DeliveryEventsModule],
    controllers,
    providers: globalFilter ? [{ provide: APP_FILTER, useClass: MessageOnlyFilter }] : [],
  }).compile();
  const adapter = createKmeHttpAdapter();
  const app = moduleRef.createNestApplication<NestExpressApplication>(adapter, {
    bodyParser: false,
    bufferLogs: pinoLogger,
  });
  if (pinoLogger) useKmeLogger(app);
  applyKmePlatform(app);
  await app.init();
  return app;
}

/** A pino destination that keeps every line. */
export class LogCapture implements DestinationStream {
  private readonly chunks: string[] = [];

  write(chunk: string): void {
    this.chunks.push(chunk);
  }

  get text(): string {
    return this.chunks.join('');
  }

  /** Every line, parsed: a line that is not JSON fails the test. */
  get entries(): Record<string, unknown>[] {
    return this.text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  clear(): void {
    this.chunks.length = 0;
  }
}

/** Polls until `probe` returns something, for what is written after the answer went out. */
export async function eventually<T>(probe: () => T | undefined, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
