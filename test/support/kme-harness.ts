import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtsiClient, KmeTransport, type KmeClientOptions } from '@app/etsi-client';
import { KME_RUNTIME_ENV } from '../../scripts/lib/kme-runtime-env';
import { holdsPort } from '../../scripts/lib/listening-socket';
import { findFreePorts } from '../../scripts/lib/net-util';
import {
  describeStop,
  stopChild,
  stoppedCleanly,
  waitForExit,
  type StopOutcome,
} from '../../scripts/lib/processes';
import { e2eAmqpUrl } from './broker';
import { E2E_PKI_DIR, REPO_ROOT, entryOf } from './e2e-paths';

export type Role = 'master' | 'slave';

export interface HttpAnswer<T = unknown> {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: T;
}

/**
 * An HTTPS client presenting one certificate of the e2e PKI (or none, or a foreign one): the
 * project's client library (`@app/etsi-client`) at its raw level, `KmeTransport.send`, so that every
 * e2e request goes through the transport SAEs use, while tests still see any status, header and
 * body (malformed requests included). The typed ETSI methods are `etsi`.
 */
export class HttpsClient {
  private readonly transport: KmeTransport;
  private readonly options: KmeClientOptions;
  private etsiClient: EtsiClient | undefined;

  constructor(
    readonly baseUrl: string,
    identity: { cert: Buffer; key: Buffer } | undefined,
    ca: Buffer = pem('ca.crt'),
  ) {
    this.options = {
      baseUrl,
      tls: identity === undefined ? { anonymous: true, ca } : { ...identity, ca },
      connections: 64,
      // A bound for a wedged KME only: tests that wait on purpose bound themselves more tightly.
      timeoutMs: 120_000,
    };
    this.transport = new KmeTransport(this.options);
  }

  /** The same identity as the library's typed ETSI client (its own connections). */
  get etsi(): EtsiClient {
    this.etsiClient ??= new EtsiClient(this.options);
    return this.etsiClient;
  }

  get<T = unknown>(path: string): Promise<HttpAnswer<T>> {
    return this.send<T>('GET', path);
  }

  post<T = unknown>(path: string, body?: unknown, rawBody?: string): Promise<HttpAnswer<T>> {
    return this.send<T>(
      'POST',
      path,
      rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
    );
  }

  /** `contentType: null` sends the body without a Content-Type header, as some clients do. */
  async send<T>(
    method: string,
    path: string,
    body?: string,
    contentType: string | null = 'application/json',
  ): Promise<HttpAnswer<T>> {
    const response = await this.transport.send({
      method,
      path,
      headers: body === undefined || contentType === null ? {} : { 'content-type': contentType },
      body,
    });
    let parsed: unknown = response.text;
    try {
      parsed = JSON.parse(response.text);
    } catch {
      // Left as text: a test asserting JSON will say what came instead.
    }
    return { status: response.status, headers: { ...response.headers }, body: parsed as T };
  }

  async close(): Promise<void> {
    await Promise.all([this.transport.close(), this.etsiClient?.close()]);
  }
}

export const pem = (file: string): Buffer => readFileSync(join(E2E_PKI_DIR, file));

/** A client with `<name>.crt` of the e2e PKI, e.g. sae-1 or kme-2. */
export const certificateOf = (name: string): { cert: Buffer; key: Buffer } => ({
  cert: pem(`${name}.crt`),
  key: pem(`${name}.key`),
});

/**
 * How long a KME may take from SIGTERM to its exit before the harness kills it (and fails the
 * test): past the KME's own 10 s deadline, so that a KME that misses it says so itself.
 */
const STOP_GRACE_MS = 12_000;

/** One KME process, built from dist/, with its output kept for failure messages. */
export class KmeProcess {
  private child: ChildProcess | undefined;
  private log = '';

  constructor(
    readonly role: Role,
    readonly port: number,
    private env: Record<string, string>,
    /** The built main.js to run: the role's app unless given (an example's, say). */
    readonly entry: string = entryOf(role),
  ) {}

  get url(): string {
    return `https://localhost:${this.port}`;
  }

  get output(): string {
    return this.log;
  }

  setEnv(changes: Record<string, string>): void {
    this.env = { ...this.env, ...changes };
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [this.entry], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-200_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await this.waitUntilServing(child);
  }

  /**
   * Graceful stop, as an operator's SIGTERM. Fails (after killing it) when the KME needed SIGKILL
   * or exited other than with 0: a hung or failed shutdown must fail the test, not pass unseen.
   */
  async stop(): Promise<StopOutcome | undefined> {
    if (!this.child) return undefined;
    const outcome = await stopChild(this.child, STOP_GRACE_MS);
    if (!stoppedCleanly(outcome)) {
      throw new Error(
        `${this.role} KME ${describeStop(outcome, STOP_GRACE_MS)}; a KME stops with exit code 0 ` +
          `within 10 s of SIGTERM. Its last output:\n${this.log.slice(-4_000)}`,
      );
    }
    return outcome;
  }

  /** Sudden death: no shutdown hooks run. */
  async kill(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await waitForExit(this.child, 10_000);
  }

  /** Exit code of a process expected to refuse to start. */
  async exitCode(timeoutMs = 30_000): Promise<number | null> {
    const child = this.child;
    if (!child) throw new Error('not started');
    if (!(await waitForExit(child, timeoutMs))) throw new Error(`${this.role} KME did not exit`);
    return child.exitCode;
  }

  /** Starts the process without waiting for it to serve (for configuration failures). */
  spawnOnly(): void {
    const child = spawn(process.execPath, [this.entry], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => (this.log += chunk.toString());
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  private async waitUntilServing(child: ChildProcess): Promise<void> {
    const probe = new HttpsClient(this.url, undefined);
    const deadline = Date.now() + 30_000;
    try {
      while (Date.now() < deadline) {
        if (child.exitCode !== null) {
          throw new Error(`${this.role} KME exited with ${child.exitCode}:\n${this.log}`);
        }
        const answered = await probe.get('/api/docs-json').then(
          (answer) => answer.status === 200,
          () => false,
        );
        // The answer may be another server's that holds the port (this one then fails to bind).
        if (answered && holdsPort(child, this.port)) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`${this.role} KME did not serve within 30 s:\n${this.log}`);
    } finally {
      await probe.close();
    }
  }
}

export interface PairOptions {
  /** Environment for both KMEs, on top of the test defaults. */
  readonly env?: Record<string, string>;
  readonly masterEnv?: Record<string, string>;
  readonly slaveEnv?: Record<string, string>;
  /** A broker other than the e2e one, e.g. a private broker a fault test controls. */
  readonly amqpUrl?: string;
  /** The master KME's built main.js, if not the master app's (an example's, say). */
  readonly masterEntry?: string;
}

/** Environment of a KME of the e2e pair; a fresh queue per pair keeps test files apart. */
function kmeEnv(
  role: Role,
  ports: Record<Role, number>,
  queue: string,
  amqpUrl: string,
  dataRoot: string,
): Record<string, string> {
  const self = role === 'master' ? 'kme-1' : 'kme-2';
  const peerPort = role === 'master' ? ports.slave : ports.master;
  return {
    // As `npm start`, the bench and the image run them.
    ...KME_RUNTIME_ENV,
    PORT: String(ports[role]),
    LINKED_TO_KME: `https://localhost:${peerPort}`,
    CA_FILE: join(E2E_PKI_DIR, 'ca.crt'),
    KME_CERT: join(E2E_PKI_DIR, `${self}.crt`),
    KME_KEY: join(E2E_PKI_DIR, `${self}.key`),
    AMQP_URL: amqpUrl,
    MQ_SHARED_QUEUE: queue,
    LOG_LEVEL: 'warn',
    DATA_DIR: join(dataRoot, self),
  };
}

/** Pair starts tried before a port taken under the pair fails the test. */
const START_ATTEMPTS = 3;

/**
 * Both KMEs as real processes on a real broker, with the e2e PKI: the pair a user runs.
 * Ready when both serve HTTPS and each can deliver keys.
 */
export class KmeTestPair {
  private readonly clients: HttpsClient[] = [];

  private constructor(
    readonly master: KmeProcess,
    readonly slave: KmeProcess,
    readonly queue: string,
    /** Holds each KME's DATA_DIR; removed by stop(). */
    readonly dataRoot: string,
  ) {}

  /**
   * Starts a pair on fresh ports; again on others when a port was taken between choosing and
   * binding it (by a process outside the test, which cannot be kept off it).
   */
  static async start(options: PairOptions = {}): Promise<KmeTestPair> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await KmeTestPair.startOnce(options);
      } catch (error) {
        const portTaken = error instanceof Error && error.message.includes('EADDRINUSE');
        if (!portTaken || attempt === START_ATTEMPTS) throw error;
      }
    }
  }

  private static async startOnce(options: PairOptions): Promise<KmeTestPair> {
    const [master, slave] = await findFreePorts(2);
    const ports = { master, slave };
    const queue = `e2e-${randomUUID()}`;
    const amqpUrl = options.amqpUrl ?? e2eAmqpUrl();
    const dataRoot = mkdtempSync(join(tmpdir(), 'qkd-kme-e2e-data-'));
    const envOf = (role: Role, own?: Record<string, string>) => ({
      ...kmeEnv(role, ports, queue, amqpUrl, dataRoot),
      ...options.env,
      ...own,
    });
    const pair = new KmeTestPair(
      new KmeProcess(
        'master',
        ports.master,
        envOf('master', options.masterEnv),
        options.masterEntry,
      ),
      new KmeProcess('slave', ports.slave, envOf('slave', options.slaveEnv)),
      queue,
      dataRoot,
    );
    try {
      await Promise.all([pair.master.start(), pair.slave.start()]);
    } catch (error) {
      // The start failure is the news; a stop failure after it would only hide it.
      await pair.stop().catch(() => undefined);
      throw error;
    }
    return pair;
  }

  /** A client of `kme` presenting `name`'s certificate (an SAE, or a KME for internal tests). */
  client(role: Role, name: string | undefined): HttpsClient {
    const kme = role === 'master' ? this.master : this.slave;
    const client = new HttpsClient(kme.url, name === undefined ? undefined : certificateOf(name));
    this.clients.push(client);
    return client;
  }

  /** A client with a certificate for `cn` signed by a CA the KMEs do not trust. */
  foreignClient(role: Role): HttpsClient {
    const kme = role === 'master' ? this.master : this.slave;
    const client = new HttpsClient(kme.url, {
      cert: pem('foreign-sae-1.crt'),
      key: pem('foreign-sae-1.key'),
    });
    this.clients.push(client);
    return client;
  }

  /**
   * Waits until both KMEs report at least `keys` stored keys of the default size to the given
   * SAEs: the link is synchronised and material has reached both pools.
   */
  async waitForKeys(
    keys = 1,
    masterSae = 'sae-1',
    slaveSae = 'sae-2',
    timeoutMs = 30_000,
  ): Promise<void> {
    const atMaster = this.client('master', masterSae);
    const atSlave = this.client('slave', slaveSae);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const [m, s] = await Promise.all([
        atMaster.get<{ stored_key_count: number }>(`/api/v1/keys/${slaveSae}/status`),
        atSlave.get<{ stored_key_count: number }>(`/api/v1/keys/${masterSae}/status`),
      ]);
      if (m.body.stored_key_count >= keys && s.body.stored_key_count >= keys) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `the pair did not hold ${keys} keys within ${timeoutMs} ms\n--- master KME\n${this.master.output}\n--- slave KME\n${this.slave.output}`,
    );
  }

  /**
   * Stops both KMEs (SIGTERM) and removes their data; fails when either needed SIGKILL or exited
   * with a code other than 0.
   */
  async stop(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.close()));
    const stops = await Promise.allSettled([this.master.stop(), this.slave.stop()]);
    rmSync(this.dataRoot, { recursive: true, force: true });
    const failures = stops.flatMap((stop) =>
      stop.status === 'rejected'
        ? [stop.reason instanceof Error ? stop.reason.message : String(stop.reason)]
        : [],
    );
    if (failures.length > 0) throw new Error(failures.join('\n\n'));
  }
}
