import { APP_FILTER } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DashboardClient,
  KmeTransport,
  type LinkState,
  type TlsCredentials,
} from '@app/etsi-client';
import { applyKmePlatform, createKmeHttpAdapter, kmeApplicationOptions } from '@app/kme-server';
import { DeliveryEventsModule } from '@app/observability';
import {
  FakeKeysController,
  FakeTelemetry,
  FakeTelemetryModule,
  MessageOnlyFilter,
} from '@app/observability/in-process/observed-kme';
import { ensureDevPki, makeForeignClientCert } from '../../../scripts/lib/pki';
import { DashboardModule } from '../src/dashboard.module';

/**
 * The dashboard in-process (CONVENTIONS habit 12): the real DashboardModule on production's
 * Express stack and HTTPS options, KmeTelemetry faked, and FakeKeysController publishing
 * deliveries as a KME does; clients are the project's own DashboardClient.
 */

/** A development PKI in a temporary directory, with the operator's certificate. */
export class DashboardPki {
  readonly ca: Buffer;

  private constructor(readonly dir: string) {
    this.ca = readFileSync(join(dir, 'ca.crt'));
  }

  static create(): DashboardPki {
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-in-process-'));
    ensureDevPki({ dir, names: ['kme-1', 'kme-2', 'sae-1', 'operator'] });
    makeForeignClientCert(dir, 'operator');
    return new DashboardPki(dir);
  }

  file(name: string): string {
    return join(this.dir, name);
  }

  /** Credentials of `name`, `foreign-operator` (a CA nothing trusts), or none. */
  credentials(name: string | undefined): TlsCredentials {
    if (name === undefined) return { anonymous: true, ca: this.ca };
    return { cert: this.file(`${name}.crt`), key: this.file(`${name}.key`), ca: this.ca };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A port nothing listens on yet: the two KMEs must know each other's before they start. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface DashboardKmeOptions {
  readonly kmeId: 'kme-1' | 'kme-2';
  readonly port: number;
  readonly peerPort: number;
  readonly link?: () => LinkState | undefined;
  readonly capacityBits?: number;
}

/** One KME's dashboard in this process, listening on 127.0.0.1. */
export class DashboardKme {
  private readonly clients: { close(): Promise<void> }[] = [];

  private constructor(
    readonly app: NestExpressApplication,
    readonly telemetry: FakeTelemetry,
    readonly url: string,
    private readonly pki: DashboardPki,
  ) {}

  static async start(pki: DashboardPki, options: DashboardKmeOptions): Promise<DashboardKme> {
    const role = options.kmeId === 'kme-1' ? 'master' : 'slave';
    const peerId = options.kmeId === 'kme-1' ? 'kme-2' : 'kme-1';
    const telemetry = new FakeTelemetry(options.kmeId, role);
    const tls = {
      ca: pki.ca,
      cert: readFileSync(pki.file(`${options.kmeId}.crt`)),
      key: readFileSync(pki.file(`${options.kmeId}.key`)),
    };
    const moduleRef = await Test.createTestingModule({
      imports: [
        DeliveryEventsModule,
        DashboardModule.forRootAsync({
          imports: [FakeTelemetryModule.with(telemetry)],
          useFactory: () => ({
            capacityBits: options.capacityBits ?? 128_000,
            peer: { kmeId: peerId, url: `https://127.0.0.1:${options.peerPort}`, tls },
            linkState: options.link,
          }),
        }),
      ],
      controllers: [FakeKeysController],
      providers: [{ provide: APP_FILTER, useClass: MessageOnlyFilter }],
    }).compile();
    const adapter = createKmeHttpAdapter();
    const app = moduleRef.createNestApplication<NestExpressApplication>(
      adapter,
      kmeApplicationOptions(tls, adapter),
    );
    app.useLogger(false);
    applyKmePlatform(app);
    await app.init();
    await app.listen(options.port, '127.0.0.1');
    return new DashboardKme(app, telemetry, `https://127.0.0.1:${options.port}`, pki);
  }

  /** A client presenting `name`'s certificate (or none); closed with the KME. */
  client(name?: string): DashboardClient {
    const client = new DashboardClient({ baseUrl: this.url, tls: this.pki.credentials(name) });
    this.clients.push(client);
    return client;
  }

  /** The library's raw transport, for the page and its files. */
  transport(name?: string): KmeTransport {
    const transport = new KmeTransport({ baseUrl: this.url, tls: this.pki.credentials(name) });
    this.clients.push(transport);
    return transport;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((client) => client.close()));
    await this.app.close();
  }
}
