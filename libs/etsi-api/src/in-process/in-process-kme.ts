import { Module, type DynamicModule, type LoggerService, type LogLevel } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import * as forge from 'node-forge';
import request, { type Response, type Test as SupertestTest } from 'supertest';
import type { KeyLimits } from '@app/config';
import type { DeliveredKey } from '@app/key-pool';
import {
  applyKmePlatform,
  createKmeHttpAdapter,
  kmeApplicationOptions,
  setupSwagger,
  type TlsMaterial,
} from '@app/kme-server';
import { EtsiApiModule } from '../etsi-api.module';
import type { EtsiApiOptions } from '../etsi-api.options';
import { ETSI_API_TAG } from '../etsi-keys.controller';
import {
  KeyDelivery,
  type KeyAllocationRequest,
  type KeyRetrievalRequest,
} from '../key-delivery.port';
import { ensureDevPki, makeForeignClientCert } from '../../../../scripts/lib/pki';

/**
 * The ETSI API in-process, the Nest way (CONVENTIONS habit 12): the real EtsiApiModule on
 * production's Express stack and HTTPS options, its KeyDelivery port faked, driven by supertest
 * with client certificates from a throwaway development PKI.
 */

export const KEY_LIMITS: KeyLimits = {
  minKeySize: 64,
  maxKeySize: 1024,
  defaultKeySize: 128,
  maxKeyCount: 1000,
  maxKeysPerRequest: 10,
  maxSaeIdCount: 1,
  maxActiveKeys: 1000,
};

/** This KME is kme-1; sae-1 and sae-3 are attached to it, sae-2 to its peer kme-2. */
export const BASE_OPTIONS: EtsiApiOptions = {
  kmeId: 'kme-1',
  linkedKmeId: 'kme-2',
  attachedSaeIds: ['sae-1', 'sae-3'],
  linkedSaeIds: ['sae-2'],
  keys: KEY_LIMITS,
  strictRequests: false,
};

export const PKI_NAMES = ['kme-1', 'kme-2', 'sae-1', 'sae-2', 'sae-3'] as const;

export interface ClientIdentity {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** A development PKI in a temporary directory: one per spec file, removed in afterAll. */
export class TestPki {
  readonly ca: Buffer;

  private constructor(readonly dir: string) {
    this.ca = readFileSync(join(dir, 'ca.crt'));
  }

  static create(): TestPki {
    const dir = mkdtempSync(join(tmpdir(), 'etsi-in-process-'));
    ensureDevPki({ dir, names: PKI_NAMES });
    return new TestPki(dir);
  }

  /** The certificate and key `ensureDevPki` issued to `name`. */
  identity(name: string): ClientIdentity {
    return {
      cert: readFileSync(join(this.dir, `${name}.crt`)),
      key: readFileSync(join(this.dir, `${name}.key`)),
    };
  }

  /** A certificate for `cn` from a CA nothing trusts. */
  foreign(cn: string): ClientIdentity {
    const foreign = makeForeignClientCert(this.dir, cn);
    return { cert: Buffer.from(foreign.certPem), key: Buffer.from(foreign.keyPem) };
  }

  /**
   * A second, equally valid client certificate for `cn`, signed by the same CA with a new key
   * (as scripts/lib/pki.ts issues SAE certificates): what only certificate pinning tells apart.
   */
  reissue(cn: string): ClientIdentity {
    const ca = forge.pki.certificateFromPem(this.ca.toString('utf8'));
    const caKey = forge.pki.privateKeyFromPem(readFileSync(join(this.dir, 'ca.key'), 'utf8'));
    const { privateKey: keyPem } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const privateKey = forge.pki.privateKeyFromPem(keyPem);
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);
    const serial = randomBytes(16);
    serial[0] = (serial[0] & 0x7f) | 0x40;
    cert.serialNumber = serial.toString('hex');
    const now = Date.now();
    cert.validity.notBefore = new Date(now - 24 * 60 * 60 * 1000);
    cert.validity.notAfter = new Date(now + 24 * 60 * 60 * 1000);
    cert.setSubject([{ name: 'commonName', value: cn }]);
    cert.setIssuer(ca.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 6, value: `urn:qkd:sae:${cn}` }] },
    ]);
    cert.sign(caKey, forge.md.sha256.create());
    return { cert: Buffer.from(forge.pki.certificateToPem(cert)), key: Buffer.from(keyPem) };
  }

  /** What a KME reads at start (tls.ts), for `kme`. */
  tlsOf(kme: string, pinnedSaeCertificate?: Buffer): TlsMaterial {
    const { cert, key } = this.identity(kme);
    return { ca: this.ca, cert, key, pinnedSaeCertificate };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export type DeliveryCall =
  | { readonly method: 'availableBytes' }
  | { readonly method: 'allocateKeys'; readonly request: KeyAllocationRequest }
  | { readonly method: 'retrieveKeys'; readonly request: KeyRetrievalRequest };

/** Bytes the fake cuts keys from, in order, wrapping around: the same in every run. */
const MATERIAL = Buffer.from(Array.from({ length: 65_536 }, (_, i) => (i * 167 + 13) & 0xff));

/**
 * A KeyDelivery for tests: records every call, hands out keys cut in order from a fixed buffer
 * under sequential UUIDs, and throws whatever it is told to instead.
 */
export class FakeKeyDelivery extends KeyDelivery {
  readonly calls: DeliveryCall[] = [];
  /** Every key handed out, in order. */
  readonly handedOut: DeliveredKey[] = [];
  /** What availableBytes() answers. */
  available = 100 * (KEY_LIMITS.defaultKeySize / 8);
  /** Size of each key retrieveKeys() hands out. */
  retrievedKeyBytes = KEY_LIMITS.defaultKeySize / 8;
  private failure: { readonly error: unknown } | undefined;
  private offset = 0;
  private serial = 0;

  /** Every later call throws `error`, until reset(). */
  failWith(error: unknown): void {
    this.failure = { error };
  }

  reset(): void {
    this.calls.length = 0;
    this.handedOut.length = 0;
    this.failure = undefined;
  }

  /** The calls that would take keys out of a pool. */
  get consumingCalls(): DeliveryCall[] {
    return this.calls.filter((call) => call.method !== 'availableBytes');
  }

  availableBytes(): number {
    this.calls.push({ method: 'availableBytes' });
    this.throwIfFailing();
    return this.available;
  }

  allocateKeys(request: KeyAllocationRequest): Promise<DeliveredKey[]> {
    this.calls.push({
      method: 'allocateKeys',
      request: { ...request, slaveSaeIds: [...request.slaveSaeIds] },
    });
    return this.answer(() =>
      Array.from({ length: request.number }, () =>
        this.cut(this.nextKeyId(), request.sizeBits / 8),
      ),
    );
  }

  retrieveKeys(request: KeyRetrievalRequest): Promise<DeliveredKey[]> {
    this.calls.push({
      method: 'retrieveKeys',
      request: { ...request, keyIds: [...request.keyIds] },
    });
    return this.answer(() =>
      request.keyIds.map((keyId) => this.cut(keyId, this.retrievedKeyBytes)),
    );
  }

  /** Rejects with whatever was thrown, Error or not, as an async implementation would. */
  private answer(keys: () => DeliveredKey[]): Promise<DeliveredKey[]> {
    return new Promise((resolve) => {
      this.throwIfFailing();
      resolve(keys());
    });
  }

  private throwIfFailing(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }

  private nextKeyId(): string {
    this.serial += 1;
    return `00000000-0000-4000-8000-${this.serial.toString(16).padStart(12, '0')}`;
  }

  private cut(keyId: string, bytes: number): DeliveredKey {
    const key = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i += 1) key[i] = MATERIAL[(this.offset + i) % MATERIAL.length];
    this.offset += bytes;
    const delivered = { keyId, key };
    this.handedOut.push(delivered);
    return delivered;
  }
}

/** The Key container the API should answer for keys the fake handed out. */
export const wireKeys = (keys: readonly DeliveredKey[]): { key_ID: string; key: string }[] =>
  keys.map(({ keyId, key }) => ({ key_ID: keyId, key: key.toString('base64') }));

@Module({})
class FakeKeyDeliveryModule {
  static with(fake: FakeKeyDelivery): DynamicModule {
    return {
      module: FakeKeyDeliveryModule,
      providers: [{ provide: FakeKeyDelivery, useValue: fake }],
      exports: [FakeKeyDelivery],
    };
  }
}

export interface LogEntry {
  readonly level: LogLevel;
  readonly message: string;
  readonly params: readonly unknown[];
}

/** Nest's logger for the tests: keeps every entry instead of printing it. */
export class RecordingLogger extends EventEmitter implements LoggerService {
  readonly entries: LogEntry[] = [];

  log(message: unknown, ...params: unknown[]): void {
    this.record('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.record('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.record('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.record('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.record('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.record('fatal', message, params);
  }

  clear(): void {
    this.entries.length = 0;
  }

  at(...levels: LogLevel[]): LogEntry[] {
    return this.entries.filter((entry) => levels.includes(entry.level));
  }

  /** The first entry, logged already or later, that `matches`. */
  async waitFor(matches: (entry: LogEntry) => boolean): Promise<LogEntry> {
    for (;;) {
      const found = this.entries.find(matches);
      if (found !== undefined) return found;
      await once(this, 'entry');
    }
  }

  private record(level: LogLevel, message: unknown, params: unknown[]): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    this.entries.push({ level, message: text, params });
    this.emit('entry');
  }
}

/**
 * Nest's Logger is one per process, so is its recorder: every KME a spec file starts logs here.
 */
const processLogs = new RecordingLogger();

export interface InProcessKmeOptions {
  readonly options?: Partial<EtsiApiOptions>;
  /** Serve Swagger UI and its JSON as production does (setupSwagger). */
  readonly swagger?: boolean;
}

export interface SeenRequest {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly contentType: string | undefined;
}

/** One KME (kme-1) in this process, listening on an ephemeral port of 127.0.0.1. */
export class InProcessKme {
  /** Every request the HTTPS server received, as it arrived. */
  readonly seen: SeenRequest[] = [];

  private constructor(
    readonly app: NestExpressApplication,
    readonly delivery: FakeKeyDelivery,
    readonly logs: RecordingLogger,
    readonly pki: TestPki,
  ) {
    this.server.prependListener('request', (incoming: IncomingMessage) => {
      this.seen.push({
        method: incoming.method,
        url: incoming.url,
        contentType: incoming.headers['content-type'],
      });
    });
  }

  static async start(
    pki: TestPki,
    { options, swagger }: InProcessKmeOptions = {},
  ): Promise<InProcessKme> {
    const apiOptions: EtsiApiOptions = { ...BASE_OPTIONS, ...options };
    const delivery = new FakeKeyDelivery();
    const moduleRef = await Test.createTestingModule({
      imports: [
        EtsiApiModule.forRoot({
          options: apiOptions,
          keyDelivery: FakeKeyDelivery,
          imports: [FakeKeyDeliveryModule.with(delivery)],
        }),
      ],
    }).compile();
    const tls = pki.tlsOf(apiOptions.kmeId, apiOptions.pinnedSaeCertificate);
    // As bootstrapKme assembles it: the KME's adapter on createExpressInstance, whose
    // prototypes the server's request and response classes are born with.
    const adapter = createKmeHttpAdapter();
    const app = moduleRef.createNestApplication<NestExpressApplication>(
      adapter,
      kmeApplicationOptions(tls, adapter),
    );
    const logs = processLogs;
    app.useLogger(logs);
    applyKmePlatform(app);
    if (swagger === true) {
      setupSwagger(app, {
        title: 'in-process KME',
        siteTitle: 'in-process KME',
        description: 'The ETSI API of an in-process test KME.',
        tags: [{ name: ETSI_API_TAG, description: 'ETSI GS QKD 014' }],
      });
    }
    await app.init();
    await app.listen(0, '127.0.0.1');
    return new InProcessKme(app, delivery, logs, pki);
  }

  get server(): Server {
    return this.app.getHttpServer() as Server;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** A client presenting `identity` (a PKI name or a certificate), or no certificate at all. */
  as(identity?: string | ClientIdentity): KmeClient {
    const presented = typeof identity === 'string' ? this.pki.identity(identity) : identity;
    return new KmeClient(this.server, this.pki.ca, presented);
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';

/** supertest over HTTPS with the CA and, when given, a client certificate. */
export class KmeClient {
  constructor(
    private readonly server: Server,
    private readonly ca: Buffer,
    private readonly identity: ClientIdentity | undefined,
  ) {}

  send(method: Method, path: string): SupertestTest {
    const test = request(this.server)[method](path).ca(this.ca);
    return this.identity === undefined
      ? test
      : test.cert(this.identity.cert).key(this.identity.key);
  }

  get(path: string): SupertestTest {
    return this.send('get', path);
  }

  /** A JSON body (superagent sets application/json), or none. */
  post(path: string, body?: object): SupertestTest {
    const test = this.send('post', path);
    return body === undefined ? test : test.send(body);
  }

  /** A body sent as it is, with this Content-Type or, for null, none at all. */
  postText(
    path: string,
    text: string,
    contentType: string | null = 'application/json',
  ): SupertestTest {
    const test = this.send('post', path);
    if (contentType === null) return test.send(text).unset('Content-Type');
    return test.set('Content-Type', contentType).send(text);
  }
}

export const statusPath = (slave: string): string => `/api/v1/keys/${slave}/status`;
export const encPath = (slave: string, query = ''): string =>
  `/api/v1/keys/${slave}/enc_keys${query}`;
export const decPath = (master: string, query = ''): string =>
  `/api/v1/keys/${master}/dec_keys${query}`;

export interface ErrorBody {
  readonly message: string;
  readonly details?: readonly Record<string, unknown>[];
}

export interface KeyContainer {
  readonly keys: readonly { readonly key_ID: string; readonly key: string }[];
}

export const bodyOf = <T>(response: Response): T => response.body as T;

/**
 * A non-2xx answer as the KME must give it: this status, `application/json`, and an ETSI Error
 * body `{ message, details? }` and nothing else; `message` as given when given.
 */
export function expectEtsiError(
  response: Response,
  status: number,
  message?: string | RegExp,
): ErrorBody {
  expect({ status: response.status, type: response.headers['content-type'] }).toEqual({
    status,
    type: expect.stringMatching(/^application\/json(;|$)/) as unknown,
  });
  const body = bodyOf<Record<string, unknown>>(response);
  expect(typeof body).toBe('object');
  for (const name of Object.keys(body)) expect(['message', 'details']).toContain(name);
  expect(typeof body.message).toBe('string');
  expect(body.message).not.toBe('');
  if ('details' in body) {
    expect(Array.isArray(body.details)).toBe(true);
    for (const detail of body.details as unknown[]) {
      expect(typeof detail === 'object' && detail !== null && !Array.isArray(detail)).toBe(true);
    }
  }
  if (typeof message === 'string') expect(body.message).toBe(message);
  if (message instanceof RegExp) expect(body.message).toMatch(message);
  return body as unknown as ErrorBody;
}

/** A 400 whose details name `field` (as the ETSI Error details name fields). */
export function expectBadRequest(
  response: Response,
  field: string,
  message?: string | RegExp,
): ErrorBody {
  const body = expectEtsiError(response, 400, message);
  const named = (body.details ?? []).flatMap((detail) => Object.keys(detail));
  expect(named).toContain(field);
  return body;
}

/** A TLS connection to the KME with these options on top of the CA and `identity`. */
export async function tlsConnect(
  kme: InProcessKme,
  identity: ClientIdentity | undefined,
  options: ConnectionOptions = {},
): Promise<TLSSocket> {
  const socket = connect({
    host: '127.0.0.1',
    port: kme.port,
    ca: kme.pki.ca,
    ...identity,
    ...options,
  });
  await once(socket, 'secureConnect');
  return socket;
}

/** Writes `text` on a new TLS connection and reads everything until the server closes it. */
export async function rawExchange(
  kme: InProcessKme,
  identity: ClientIdentity | undefined,
  text: string,
): Promise<string> {
  const socket = await tlsConnect(kme, identity);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.end(text);
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('utf8');
}

/** Status line, headers and body of a raw HTTP/1.1 answer. */
export function parseRawAnswer(raw: string): {
  status: number;
  headers: Record<string, string>;
  body: string;
} {
  const end = raw.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: raw.slice(end + 4) };
}
