// Operating a KME pair: health probes, Prometheus metrics, logs without secrets, and a clean stop
// on SIGTERM under load. Real processes on a real broker; the broker faults on a private one.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parsePrometheusText,
  valueOf,
  type Sample,
} from '@app/observability/in-process/prometheus-text';
import { holdsPort } from '../scripts/lib/listening-socket';
import { findFreePorts } from '../scripts/lib/net-util';
import { PrivateRabbitMq } from '../scripts/lib/private-rabbitmq';
import { describeStop, stopChild, stoppedCleanly } from '../scripts/lib/processes';
import { e2eAmqpUrl } from './support/broker';
import { E2E_PKI_DIR, REPO_ROOT, entryOf } from './support/e2e-paths';
import {
  HttpsClient,
  KmeTestPair,
  certificateOf,
  type HttpAnswer,
  type Role,
} from './support/kme-harness';
import {
  KEYS_NOT_FOUND,
  decKeys,
  type ErrorBody,
  type KeyContainer,
  encKeys,
  isErrorBody,
  issued,
  pollUntil,
  show,
  type IssuedKey,
} from './support/relay';

interface Status {
  key_size: number;
  stored_key_count: number;
  max_key_count: number;
}

interface HealthReport {
  status: string;
  info?: Record<string, { status: string }>;
  error?: Record<string, { status: string; message?: string }>;
  details?: Record<string, { status: string }>;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Says what was measured, in the test output, for the record of a run. */
const note = (text: string): void => void process.stderr.write(`operations: ${text}\n`);

/** An answer's body as the wire carried it, for "contains nothing secret" checks. */
const bodyText = (answer: HttpAnswer): string =>
  typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);

/** Base64 and hex (both cases) of each key: what must never appear in a log or a probe. */
function secretFormsOf(keys: readonly IssuedKey[]): string[] {
  return keys.flatMap(({ key }) => [
    key.toString('base64'),
    key.toString('hex'),
    key.toString('hex').toUpperCase(),
  ]);
}

/** The body lines of a PEM private key: any one of them in a log would be a leak. */
function pemBodyLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line !== '' && !line.startsWith('-----'));
}

const KME_PRIVATE_KEYS = ['kme-1.key', 'kme-2.key'].map((file) => join(E2E_PKI_DIR, file));

describe('health probes', () => {
  const broker = PrivateRabbitMq.forTest('ops-health');
  let pair: KmeTestPair;
  let probes: Record<Role, HttpsClient>;
  /** Every probe body seen, checked at the end for key material. */
  const bodies: string[] = [];
  const delivered: IssuedKey[] = [];

  const ready = async (role: Role): Promise<HttpAnswer<HealthReport>> => {
    const answer = await probes[role].get<HealthReport>('/health/ready');
    bodies.push(bodyText(answer));
    return answer;
  };

  /** Polls /health/ready at `role` until `accept` holds; the time it took. */
  async function readyUntil(
    role: Role,
    what: string,
    timeoutMs: number,
    accept: (answer: HttpAnswer<HealthReport>) => boolean,
  ): Promise<{ ms: number; answer: HttpAnswer<HealthReport> }> {
    const began = Date.now();
    let last: HttpAnswer<HealthReport> | undefined;
    const answer = await pollUntil(
      `${role} KME: ${what}`,
      timeoutMs,
      async () => {
        last = await ready(role).catch(() => undefined);
        return last !== undefined && accept(last) ? last : undefined;
      },
      () => `last answer: ${last === undefined ? 'none' : show(last)}`,
    );
    return { ms: Date.now() - began, answer };
  }

  const isReady = (answer: HttpAnswer<HealthReport>) =>
    answer.status === 200 && answer.body.status === 'ok';
  const downNaming = (component: string) => (answer: HttpAnswer<HealthReport>) =>
    answer.status === 503 &&
    answer.body.status === 'error' &&
    answer.body.error?.[component]?.status === 'down';

  beforeAll(async () => {
    await broker.start();
    pair = await KmeTestPair.start({ amqpUrl: broker.url });
    probes = { master: pair.client('master', undefined), slave: pair.client('slave', undefined) };
    await pair.waitForKeys(4);
    // Keys both ways, so that a leak into a probe body would have something to leak.
    const atMaster = pair.client('master', 'sae-1');
    const atSlave = pair.client('slave', 'sae-2');
    delivered.push(...issued(await encKeys(atMaster, 'sae-2', { number: 2, size: 256 })));
    delivered.push(...issued(await encKeys(atSlave, 'sae-1', { number: 2, size: 256 })));
  });

  afterAll(async () => {
    await pair?.stop();
    await broker.remove();
  });

  it('answers /health/live 200 without a client certificate at both KMEs', async () => {
    for (const role of ['master', 'slave'] as const) {
      const answer = await probes[role].get<HealthReport>('/health/live');
      bodies.push(bodyText(answer));
      expect([role, answer.status, answer.body]).toEqual([
        role,
        200,
        { status: 'ok', info: {}, error: {}, details: {} },
      ]);
      expect(answer.headers['cache-control']).toBe('no-store');
    }
  });

  it('answers /health/ready 200 with broker, link and store up at both KMEs', async () => {
    for (const role of ['master', 'slave'] as const) {
      const { answer } = await readyUntil(role, 'ready', 15_000, isReady);
      const up = { status: 'up' };
      expect([role, answer.body]).toEqual([
        role,
        {
          status: 'ok',
          info: { broker: up, link: up, store: up },
          error: {},
          details: { broker: up, link: up, store: up },
        },
      ]);
    }
  });

  it('turns 503 naming the broker within 10 s of the broker stopping, and 200 after it returns', async () => {
    const stopCalled = Date.now();
    await broker.stop();
    const stopped = Date.now();
    const down = await Promise.all(
      (['master', 'slave'] as const).map((role) =>
        readyUntil(role, '503 naming the broker', 10_000, downNaming('broker')),
      ),
    );
    for (const { answer } of down) {
      expect(answer.body.error?.broker).toEqual({
        status: 'down',
        message: 'not connected to the message broker',
      });
      // Live stays 200: a broker outage is no reason to restart a KME.
    }
    for (const role of ['master', 'slave'] as const) {
      expect((await probes[role].get('/health/live')).status).toBe(200);
    }
    note(
      `broker stop took ${seconds(stopped - stopCalled)}; ready said 503 (broker) ` +
        `${seconds(down[0].ms)} after it at the master KME, ${seconds(down[1].ms)} at the slave KME`,
    );

    await broker.start();
    const up = await Promise.all(
      (['master', 'slave'] as const).map((role) =>
        readyUntil(role, 'ready again after the broker returned', 60_000, isReady),
      ),
    );
    note(
      `broker back: ready 200 again after ${seconds(up[0].ms)} at the master KME, ` +
        `${seconds(up[1].ms)} at the slave KME`,
    );
  });

  it.each([
    ['master', 'slave'],
    ['slave', 'master'],
  ] as const)(
    'turns 503 naming the link at the %s KME when the %s KME is killed, and 200 once it is back',
    async (peer, killed) => {
      const kme = killed === 'master' ? pair.master : pair.slave;
      await kme.kill();
      const down = await readyUntil(peer, '503 naming the link', 15_000, downNaming('link'));
      expect(down.answer.body.error?.link).toEqual({
        status: 'down',
        message: 'the link to the peer KME is down or not synchronised',
      });
      expect(down.answer.body.info?.broker).toEqual({ status: 'up' });
      note(
        `${killed} KME killed: ready at the ${peer} KME said 503 (link) after ${seconds(down.ms)}`,
      );
      await kme.start();
      const up = await readyUntil(peer, 'ready again', 30_000, isReady);
      await readyUntil(killed, 'ready again', 30_000, isReady);
      note(`${killed} KME restarted: the ${peer} KME ready again after ${seconds(up.ms)}`);
    },
  );

  it('never puts key material or a secret in a probe body', () => {
    expect(bodies.length).toBeGreaterThan(10);
    const secrets = [
      ...secretFormsOf(delivered),
      ...KME_PRIVATE_KEYS.flatMap(pemBodyLines),
      broker.url,
    ];
    const leaks = bodies.filter((body) => secrets.some((secret) => body.includes(secret)));
    expect(leaks).toEqual([]);
    // Fixed reasons only: no error message (which may hold a URL), no key field.
    for (const body of bodies) expect(body).not.toMatch(/amqp:|"key"|PRIVATE KEY/);
  });
});

/** The samples of a KME's /metrics, which must be Prometheus text. */
async function scrape(client: HttpsClient): Promise<Sample[]> {
  const answer = await client.get<string>('/metrics');
  if (answer.status !== 200) throw new Error(`/metrics answered ${show(answer)}`);
  expect(answer.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(String(answer.body));
}

/** kme_keys_delivered_total by `route/sae`. */
function deliveredCounts(samples: readonly Sample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const sample of samples.filter((s) => s.name === 'kme_keys_delivered_total')) {
    counts[`${sample.labels.route}/${sample.labels.sae}`] = sample.value;
  }
  return counts;
}

function difference(before: Record<string, number>, after: Record<string, number>) {
  const changed: Record<string, number> = {};
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const delta = (after[name] ?? 0) - (before[name] ?? 0);
    if (delta !== 0) changed[name] = delta;
  }
  return changed;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe('/metrics', () => {
  // A small pool at a slow rate: it fills for a few seconds, then stays still at its cap.
  const env = { KEY_RATE_BPS: '8000', MAX_KEY_COUNT: '400', DEFAULT_KEY_SIZE: '128' };
  let pair: KmeTestPair;
  let metrics: Record<Role, HttpsClient>;

  beforeAll(async () => {
    pair = await KmeTestPair.start({ env });
    metrics = { master: pair.client('master', undefined), slave: pair.client('slave', undefined) };
  });

  afterAll(() => pair?.stop());

  it('counts the material relayed while the pool fills, sent at the master KME and received at the slave KME', async () => {
    const relayed = async (role: Role) =>
      valueOf(await scrape(metrics[role]), 'kme_relay_bytes_total', {
        direction: role === 'master' ? 'sent' : 'received',
      });
    const status = pair.client('master', 'sae-1');
    const stored = async () =>
      (await status.get<Status>('/api/v1/keys/sae-2/status')).body.stored_key_count;
    const first = { master: await relayed('master'), slave: await relayed('slave') };
    expect(await stored()).toBeLessThan(Number(env.MAX_KEY_COUNT));
    // While the pool is below its cap, the counters grow at both ends.
    for (const role of ['master', 'slave'] as const) {
      await pollUntil(`kme_relay_bytes_total growing at the ${role} KME`, 15_000, async () =>
        (await relayed(role)) > first[role] ? true : undefined,
      );
    }
    await pair.waitForKeys(Number(env.MAX_KEY_COUNT));
    // Full, the link is still: what the master KME sent, the slave KME received.
    const settled = await pollUntil('relay counters equal at both ends', 10_000, async () => {
      const [sent, received] = await Promise.all([relayed('master'), relayed('slave')]);
      return sent === received && sent > 0 ? sent : undefined;
    });
    // At least the pool's material went over the link (128-bit keys: 16 bytes each).
    expect(settled).toBeGreaterThanOrEqual(Number(env.MAX_KEY_COUNT) * 16);
    note(
      `relay: ${first.master} → ${settled} bytes sent while the pool filled, equal at both ends`,
    );
  });

  it('shows the link and the broker up, and the pool gauge within one key of status', async () => {
    await pair.waitForKeys(Number(env.MAX_KEY_COUNT));
    for (const [role, sae, peer] of [
      ['master', 'sae-1', 'sae-2'],
      ['slave', 'sae-2', 'sae-1'],
    ] as const) {
      const client = pair.client(role, sae);
      const read = async () => {
        const before = (await client.get<Status>(`/api/v1/keys/${peer}/status`)).body;
        const samples = await scrape(metrics[role]);
        const after = (await client.get<Status>(`/api/v1/keys/${peer}/status`)).body;
        return { before, samples, after };
      };
      // A quiet moment: status the same before and after the scrape.
      const { after, samples } = await pollUntil(
        `a quiet moment at the ${role} KME`,
        10_000,
        async () => {
          const taken = await read();
          return taken.before.stored_key_count === taken.after.stored_key_count ? taken : undefined;
        },
      );
      const gauge = valueOf(samples, 'kme_key_pool_available_bits');
      const fromStatus = after.stored_key_count * after.key_size;
      expect([role, Math.abs(gauge - fromStatus) < after.key_size]).toEqual([role, true]);
      expect(valueOf(samples, 'kme_link_up')).toBe(1);
      expect(valueOf(samples, 'kme_broker_connected')).toBe(1);
      // Every sample names its KME.
      const kmeId = role === 'master' ? 'kme-1' : 'kme-2';
      expect(samples.filter((s) => s.labels.kme_id !== kmeId)).toEqual([]);
      // prom-client's default process metrics are there too.
      expect(samples.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
      note(
        `${role} KME: kme_key_pool_available_bits ${gauge}, status ${after.stored_key_count} × ${after.key_size} = ${fromStatus}`,
      );
    }
  });

  it('moves kme_keys_delivered_total by exactly the keys delivered, per route and SAE', async () => {
    const atMaster = pair.client('master', 'sae-1');
    const atSlave = pair.client('slave', 'sae-2');
    const counts = async () => ({
      master: deliveredCounts(await scrape(metrics.master)),
      slave: deliveredCounts(await scrape(metrics.slave)),
    });
    const before = await counts();

    // sae-1 → sae-2: 3 + 2 keys at the master KME, fetched at the slave KME in two requests.
    const down = [
      ...issued(await encKeys(atMaster, 'sae-2', { number: 3, size: 128 })),
      ...issued(
        await atMaster.get<KeyContainer | ErrorBody>(
          '/api/v1/keys/sae-2/enc_keys?number=2&size=256',
        ),
      ),
    ];
    issued(
      await decKeys(
        atSlave,
        'sae-1',
        down.slice(0, 4).map((k) => k.keyId),
      ),
    );
    issued(
      await atSlave.get<KeyContainer | ErrorBody>(
        `/api/v1/keys/sae-1/dec_keys?key_ID=${down[4].keyId}`,
      ),
    );
    // sae-2 → sae-1: 4 keys at the slave KME, fetched at the master KME at once.
    const up = issued(await encKeys(atSlave, 'sae-1', { number: 4, size: 64 }));
    issued(
      await decKeys(
        atMaster,
        'sae-2',
        up.map((k) => k.keyId),
      ),
    );
    // Refused requests deliver nothing: a second fetch, a size out of range.
    expect((await decKeys(atSlave, 'sae-1', [down[0].keyId])).status).toBe(400);
    expect((await encKeys(atMaster, 'sae-2', { number: 1, size: 12 })).status).toBe(400);

    const after = await counts();
    expect(difference(before.master, after.master)).toEqual({
      'enc_keys/sae-1': 5,
      'dec_keys/sae-1': 4,
    });
    expect(difference(before.slave, after.slave)).toEqual({
      'enc_keys/sae-2': 4,
      'dec_keys/sae-2': 5,
    });
  });

  it('keeps label values bounded: route patterns, known SAEs, no key IDs, no raw paths', async () => {
    // Paths a client makes up, with IDs and queries in them, at both KMEs.
    const made = randomUUID();
    for (const [role, sae, peer] of [
      ['master', 'sae-1', 'sae-2'],
      ['slave', 'sae-2', 'sae-1'],
    ] as const) {
      const client = pair.client(role, sae);
      await client.get(`/api/v1/keys/${made}/status`);
      await client.get(`/api/v1/keys/${peer}/no-such-route-${made}?key_ID=${made}`);
      await client.get(`/${made}`);
      await client.send('HEAD', `/api/v1/keys/${peer}/status`);
      expect((await decKeys(client, peer, [made])).status).toBe(400);
    }
    for (const role of ['master', 'slave'] as const) {
      const samples = (await scrape(metrics[role])).filter((s) => s.name.startsWith('kme_'));
      const labels = samples.flatMap((s) => Object.entries(s.labels));
      expect(labels.filter(([, value]) => UUID.test(value))).toEqual([]);
      expect([...new Set(labels.map(([name]) => name))].sort()).toEqual(
        expect.arrayContaining(['kme_id', 'route']),
      );
      for (const [name, value] of labels) {
        if (name === 'route')
          expect(value).toMatch(/^(enc_keys|dec_keys|unmatched|\/[A-Za-z0-9_/:{}*-]*)$/);
        if (name === 'route') expect(value).not.toMatch(/sae-\d/);
        if (name === 'sae') expect(['sae-1', 'sae-2']).toContain(value);
        if (name === 'status') expect(value).toMatch(/^(\d{3}|aborted)$/);
        if (name === 'method')
          expect(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'other']).toContain(
            value,
          );
      }
      expect(
        [...new Set(labels.map(([name]) => name))].filter(
          (name) =>
            !['kme_id', 'route', 'sae', 'method', 'status', 'direction', 'le'].includes(name),
        ),
      ).toEqual([]);
      const routes = [
        ...new Set(
          samples
            .filter((s) => s.name === 'kme_http_request_duration_seconds_count')
            .map((s) => s.labels.route),
        ),
      ];
      expect(routes).toContain('unmatched');
      expect(routes).toContain('/api/v1/keys/:slave_SAE_ID/status');
      note(`${role} KME: ${samples.length} kme_* samples, routes ${routes.join(', ')}`);
    }
  });
});

describe('/metrics with METRICS=false', () => {
  let pair: KmeTestPair;
  beforeAll(async () => {
    pair = await KmeTestPair.start({ env: { METRICS: 'false' } });
  });
  afterAll(() => pair?.stop());

  it('answers 404 at both KMEs, an ETSI Error body, while health still answers', async () => {
    for (const role of ['master', 'slave'] as const) {
      const client = pair.client(role, undefined);
      const answer = await client.get('/metrics');
      expect([role, answer.status, isErrorBody(answer.body)]).toEqual([role, 404, true]);
      expect((await client.get('/health/live')).status).toBe(200);
    }
  });
});

/**
 * A KME process whose whole output is kept (the harness keeps the last 200 kB, and a debug log
 * of a few hundred requests is more): the no-secrets test reads all of it.
 */
class RecordedKme {
  private child: ChildProcess | undefined;
  private chunks: Buffer[] = [];

  constructor(
    readonly role: Role,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `https://localhost:${this.port}`;
  }

  get output(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [entryOf(this.role)], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    const probe = new HttpsClient(this.url, undefined);
    try {
      await pollUntil(
        `${this.role} KME serving`,
        30_000,
        async () => {
          if (child.exitCode !== null) throw new Error(`${this.role} KME exited:\n${this.output}`);
          const answer = await probe.get('/health/live').catch(() => undefined);
          return answer?.status === 200 && holdsPort(child, this.port) ? true : undefined;
        },
        () => this.output.slice(-2_000),
      );
    } finally {
      await probe.close();
    }
  }

  /** SIGTERM; fails unless it exited 0 without needing SIGKILL. Its output is complete then. */
  async stop(): Promise<void> {
    if (!this.child) return;
    const child = this.child;
    const outcome = await stopChild(child, 12_000);
    // 'close' follows 'exit' once the pipes are drained: the last lines are in then.
    if (child.stdout?.readableEnded === false) {
      await new Promise((resolve) => child.once('close', resolve));
    }
    if (!stoppedCleanly(outcome)) {
      throw new Error(
        `${this.role} KME ${describeStop(outcome, 12_000)}:\n${this.output.slice(-4_000)}`,
      );
    }
  }
}

async function startRecordedPair(env: Record<string, string>) {
  const [master, slave] = await findFreePorts(2);
  const ports = { master, slave };
  const queue = `e2e-ops-logs-${randomUUID()}`;
  const dataRoot = mkdtempSync(join(tmpdir(), 'qkd-kme-e2e-logs-'));
  const envOf = (role: Role): Record<string, string> => {
    const self = role === 'master' ? 'kme-1' : 'kme-2';
    return {
      PORT: String(ports[role]),
      LINKED_TO_KME: `https://localhost:${role === 'master' ? ports.slave : ports.master}`,
      CA_FILE: join(E2E_PKI_DIR, 'ca.crt'),
      KME_CERT: join(E2E_PKI_DIR, `${self}.crt`),
      KME_KEY: join(E2E_PKI_DIR, `${self}.key`),
      AMQP_URL: e2eAmqpUrl(),
      MQ_SHARED_QUEUE: queue,
      DATA_DIR: join(dataRoot, self),
      ...env,
    };
  };
  const kmes = {
    master: new RecordedKme('master', ports.master, envOf('master')),
    slave: new RecordedKme('slave', ports.slave, envOf('slave')),
  };
  await Promise.all([kmes.master.start(), kmes.slave.start()]);
  const clients: HttpsClient[] = [];
  const client = (role: Role, sae: string) => {
    const made = new HttpsClient(kmes[role].url, certificateOf(sae));
    clients.push(made);
    return made;
  };
  const stop = async () => {
    await Promise.all(clients.map((c) => c.close()));
    const stops = await Promise.allSettled([kmes.master.stop(), kmes.slave.stop()]);
    rmSync(dataRoot, { recursive: true, force: true });
    for (const stopped of stops) if (stopped.status === 'rejected') throw stopped.reason;
  };
  return { kmes, client, stop };
}

interface AuditLine {
  level: string;
  context: string;
  msg: string;
  route: string;
  sae: string;
  peer_saes: string[];
  key_ids: string[];
  key_size_bits: number;
  count: number;
}

describe.each([
  ['pretty', { LOG_LEVEL: 'debug' }],
  ['json', { LOG_LEVEL: 'debug', LOG_FORMAT: 'json' }],
] as const)('logs at LOG_LEVEL=debug (%s)', (format, env) => {
  it('carry no delivered key, in base64 or hex, and no KME private key, and audit every key ID', async () => {
    const pair = await startRecordedPair({ ...env, KEY_RATE_BPS: '0', MAX_KEY_COUNT: '20000' });
    const delivered: { keys: IssuedKey[]; enc: Role; dec: Role }[] = [];
    let outputs: Record<Role, string>;
    try {
      const directions = [
        { enc: 'master', dec: 'slave', masterSae: 'sae-1', slaveSae: 'sae-2' },
        { enc: 'slave', dec: 'master', masterSae: 'sae-2', slaveSae: 'sae-1' },
      ] as const;
      const stored = pair.client('slave', 'sae-2');
      await pollUntil('keys at both KMEs', 30_000, async () => {
        const status = await stored.get<Status>('/api/v1/keys/sae-1/status');
        return status.body.stored_key_count >= 100 ? true : undefined;
      });
      for (const { enc, dec, masterSae, slaveSae } of directions) {
        const encClient = pair.client(enc, masterSae);
        const decClient = pair.client(dec, slaveSae);
        for (const size of [64, 128, 256, 512, 1024]) {
          for (const number of [1, 3]) {
            // POST and GET forms of both routes.
            const keys = issued(
              number === 1
                ? await encClient.get<KeyContainer | ErrorBody>(
                    `/api/v1/keys/${slaveSae}/enc_keys?number=1&size=${size}`,
                  )
                : await encKeys(encClient, slaveSae, { number, size }),
            );
            const fetched = issued(
              number === 1
                ? await decClient.get<KeyContainer | ErrorBody>(
                    `/api/v1/keys/${masterSae}/dec_keys?key_ID=${keys[0].keyId}`,
                  )
                : await decKeys(
                    decClient,
                    masterSae,
                    keys.map((k) => k.keyId),
                  ),
            );
            expect(fetched.map((k) => k.key.toString('hex'))).toEqual(
              keys.map((k) => k.key.toString('hex')),
            );
            delivered.push({ keys, enc, dec });
          }
        }
      }
    } finally {
      await pair.stop();
      outputs = { master: pair.kmes.master.output, slave: pair.kmes.slave.output };
    }
    const allKeys = delivered.flatMap((d) => d.keys);
    expect(allKeys).toHaveLength(2 * 5 * 4);

    for (const role of ['master', 'slave'] as const) {
      const output = outputs[role];
      // Debug level really was on: request lines are there.
      expect(output).toContain('request completed');
      const leaks = secretFormsOf(allKeys).filter((secret) => output.includes(secret));
      expect([role, leaks]).toEqual([role, []]);
      const pemLeaks = KME_PRIVATE_KEYS.flatMap(pemBodyLines).filter((line) =>
        output.includes(line),
      );
      expect([role, pemLeaks]).toEqual([role, []]);
      expect(output).not.toContain('PRIVATE KEY');
      note(
        `${format} logs, ${role} KME: ${output.length} characters, ${output.split('\n').length} lines, none with a key`,
      );
    }

    if (format === 'json') {
      for (const role of ['master', 'slave'] as const) {
        const lines = outputs[role].split('\n').filter((line) => line.trim() !== '');
        // Every line JSON, no colour codes: what a log collector reads.
        const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
        expect(outputs[role]).not.toContain('\u001b[');
        const audits = parsed.filter((line) => line.context === 'Audit') as unknown as AuditLine[];
        for (const audit of audits) {
          expect(audit).toMatchObject({ level: 'info', msg: 'keys delivered' });
          expect(audit.key_ids).toHaveLength(audit.count);
          expect(Object.keys(audit)).not.toContain('key');
        }
        for (const { keys, enc, dec } of delivered) {
          const route = enc === role ? 'enc_keys' : dec === role ? 'dec_keys' : undefined;
          if (route === undefined) continue;
          const ids = keys.map((k) => k.keyId);
          const line = audits.find(
            (audit) => audit.route === route && ids.every((id) => audit.key_ids.includes(id)),
          );
          expect([role, route, ids, line?.key_size_bits]).toEqual([
            role,
            route,
            ids,
            keys[0].key.length * 8,
          ]);
        }
      }
    } else {
      // Pretty lines: the audit line, with the key IDs listed under it.
      for (const role of ['master', 'slave'] as const) {
        const output = outputs[role];
        expect(output).toContain('[Audit] keys delivered');
        expect(output).not.toContain('\u001b[');
        const missing = allKeys.filter(({ keyId }) => !output.includes(keyId));
        expect([role, missing]).toEqual([role, []]);
      }
    }
  });
});

/** One request of the SIGTERM load, as the client saw it. */
interface Sent {
  readonly kme: Role;
  readonly what: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly answer?: HttpAnswer;
  readonly error?: string;
}

/** `ECONNREFUSED: …`: the first code along the error's causes (a client may wrap the socket's). */
const transportError = (error: unknown): string => {
  const { message } = error as { message?: string };
  let code: string | undefined;
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e && !code;) {
    if (typeof e.code === 'string') code = e.code;
    e = e.cause as typeof e;
  }
  return `${code ?? 'no code'}: ${message ?? String(error)}`;
};

/**
 * Round trips in both directions and, at the slave KME, dec_keys of key IDs nobody issued (each
 * waits there for a barrier through the link before its 400, and 503 after KEY_ID_WAIT_MS when the
 * master KME is stopping): longer requests for a stop to land in the middle of.
 */
class SigtermLoad {
  readonly sent: Sent[] = [];
  private running = true;
  private readonly pending: Record<Role, number> = { master: 0, slave: 0 };
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly pair: KmeTestPair,
    perDirection: number,
    waiting: number,
  ) {
    for (let i = 0; i < perDirection; i++) {
      this.loops.push(this.roundTrips('master', 'sae-1', 'slave', 'sae-2'));
      this.loops.push(this.roundTrips('slave', 'sae-2', 'master', 'sae-1'));
    }
    for (let i = 0; i < waiting; i++) this.loops.push(this.waitingDecKeys());
  }

  /** Requests sent to `kme` and not answered yet (nor failed). */
  inFlightAt(kme: Role): number {
    return this.pending[kme];
  }

  /** Requests answered so far by `kme`. */
  answeredBy(kme: Role): number {
    return this.sent.filter((s) => s.kme === kme && s.answer !== undefined).length;
  }

  async stop(): Promise<Sent[]> {
    this.running = false;
    await Promise.all(this.loops);
    return this.sent;
  }

  private async send(kme: Role, what: string, call: () => Promise<HttpAnswer>): Promise<Sent> {
    const startedAt = Date.now();
    let sent: Sent;
    this.pending[kme]++;
    try {
      sent = { kme, what, startedAt, answer: await call(), endedAt: Date.now() };
    } catch (error) {
      sent = { kme, what, startedAt, error: transportError(error), endedAt: Date.now() };
    } finally {
      this.pending[kme]--;
    }
    this.sent.push(sent);
    return sent;
  }

  private async roundTrips(encKme: Role, masterSae: string, decKme: Role, slaveSae: string) {
    const enc = this.pair.client(encKme, masterSae);
    const dec = this.pair.client(decKme, slaveSae);
    while (this.running) {
      const e = await this.send(encKme, 'enc_keys', () =>
        encKeys(enc, slaveSae, { number: 2, size: 256 }),
      );
      if (e.answer?.status === 200) {
        const ids = issued(e.answer as HttpAnswer<KeyContainer | ErrorBody>).map((k) => k.keyId);
        const d = await this.send(decKme, 'dec_keys', () => decKeys(dec, masterSae, ids));
        if (d.answer?.status !== 200) await pause(20);
      } else {
        await pause(20);
      }
    }
  }

  private async waitingDecKeys() {
    const dec = this.pair.client('slave', 'sae-2');
    while (this.running) {
      const d = await this.send('slave', 'dec_keys (waiting)', () =>
        decKeys(dec, 'sae-1', [randomUUID()]),
      );
      if (d.answer === undefined) await pause(20);
    }
  }
}

/** Pacing of a loop whose KME refused the connection, so it does not spin; nothing waits on it. */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What an answer of the stop test may be: keys, a 503 ETSI Error, or (waiting probe) not found. */
function properAnswer(sent: Sent): boolean {
  const { answer } = sent;
  if (answer === undefined) return false;
  if (answer.status === 200) return true;
  if (answer.status === 503) return isErrorBody(answer.body);
  return (
    sent.what === 'dec_keys (waiting)' &&
    answer.status === 400 &&
    isErrorBody(answer.body) &&
    answer.body.message === KEYS_NOT_FOUND
  );
}

const describeSent = (s: Sent, t0: number) =>
  `${s.kme} ${s.what} started ${s.startedAt - t0} ms, ended ${s.endedAt - t0} ms after SIGTERM: ` +
  (s.answer ? show(s.answer).slice(0, 200) : `transport error ${s.error}`);

describe('SIGTERM under load', () => {
  let pair: KmeTestPair;

  beforeAll(async () => {
    pair = await KmeTestPair.start({
      env: { KEY_RATE_BPS: '0', MAX_KEY_COUNT: '50000', LOG_LEVEL: 'info' },
    });
    await pair.waitForKeys(2_000);
  });

  afterAll(() => pair?.stop());

  it.each(['slave', 'master'] as const)(
    'the %s KME answers every request it had, exits 0 within 10 s, and needs no SIGKILL',
    async (stopped) => {
      const survivor: Role = stopped === 'master' ? 'slave' : 'master';
      const kme = stopped === 'master' ? pair.master : pair.slave;
      const load = new SigtermLoad(pair, 8, 4);
      let sent: Sent[] = [];
      let sigtermAt = 0;
      try {
        // Mid-load: both KMEs have answered a good number of requests.
        await pollUntil('load under way', 20_000, () =>
          Promise.resolve(
            load.answeredBy('master') > 100 && load.answeredBy('slave') > 100 ? true : undefined,
          ),
        );
        // And a moment with requests in flight at the KME to stop, for SIGTERM to land among
        // (much of a round trip's time is spent at the other KME). Checked every 5 ms.
        await pollUntil(
          `requests in flight at the ${stopped} KME`,
          10_000,
          () => Promise.resolve(load.inFlightAt(stopped) >= 2 ? true : undefined),
          () => `${load.inFlightAt(stopped)} in flight`,
          5,
        );
        sigtermAt = Date.now();
        const outcome = await kme.stop();
        expect(outcome).toMatchObject({ escalated: false, code: 0 });
        expect(outcome?.ms).toBeLessThan(10_000);
        // The load runs on against the survivor (and a refusing port) for a moment.
        const exitedAt = Date.now();
        await pollUntil('requests after the stop', 5_000, () =>
          Promise.resolve(
            load.sent.filter((s) => s.startedAt > exitedAt).length > 20 ? true : undefined,
          ),
        );
        note(`${stopped} KME: SIGTERM to exit 0 in ${seconds(outcome?.ms ?? NaN)}`);
      } finally {
        sent = await load.stop();
      }
      const atStopped = sent.filter((s) => s.kme === stopped);
      const before = atStopped.filter((s) => s.startedAt < sigtermAt);
      const inFlight = before.filter((s) => s.endedAt >= sigtermAt);
      const after = atStopped.filter((s) => s.startedAt >= sigtermAt);
      // Requests it had (sent before SIGTERM): each a proper answer, never a reset.
      expect(before.filter((s) => !properAnswer(s)).map((s) => describeSent(s, sigtermAt))).toEqual(
        [],
      );
      expect(inFlight.length).toBeGreaterThan(0);
      // Sent after it: answered properly while it drained, else refused (it stopped listening);
      // reset only if sent when it closed an idle connection.
      const improper = after.filter((s) => s.answer !== undefined && !properAnswer(s));
      expect(improper.map((s) => describeSent(s, sigtermAt))).toEqual([]);
      const failedAfter = after.filter((s) => s.answer === undefined);
      const refused = failedAfter.filter((s) => s.error?.startsWith('ECONNREFUSED'));
      const otherFailures = failedAfter.filter((s) => !s.error?.startsWith('ECONNREFUSED'));
      // The survivor answers everything, 503 for what needed the stopped KME.
      const atSurvivor = sent.filter((s) => s.kme === survivor);
      expect(
        atSurvivor.filter((s) => !properAnswer(s)).map((s) => describeSent(s, sigtermAt)),
      ).toEqual([]);
      const served = after.filter((s) => s.answer !== undefined);
      note(
        `${stopped} KME: ${before.length} requests sent before SIGTERM all answered (${inFlight.length} in flight at it, ` +
          `${inFlight.filter((s) => s.answer?.status === 200).length} of them 200); after it ${served.length} answered while draining, ` +
          `${refused.length} refused, ${otherFailures.length} other transport errors` +
          (otherFailures.length > 0
            ? ` (${otherFailures
                .slice(0, 3)
                .map((s) => describeSent(s, sigtermAt))
                .join('; ')})`
            : '') +
          `; ${atSurvivor.length} at the ${survivor} KME, ${atSurvivor.filter((s) => s.answer?.status === 503).length} of them 503`,
      );
      expect(otherFailures.map((s) => describeSent(s, sigtermAt))).toEqual([]);
      // Its log says how it stopped.
      expect(kme.output).toMatch(/SIGTERM: stopping/);
      expect(kme.output).toMatch(/stopped after \d+\.\d s/);

      // Back for the next case (and for afterAll's clean stop of both).
      await kme.start();
      await pair.waitForKeys(500);
    },
  );
});
