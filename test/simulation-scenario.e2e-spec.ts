import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulationClient, type LinkState } from '@app/etsi-client';
import { findFreePort } from '../scripts/lib/net-util';
import { E2E_PKI_DIR } from './support/e2e-paths';
import { expectEtsiError } from './support/etsi';
import { KmeProcess, KmeTestPair } from './support/kme-harness';
import { encKeys, pollUntil } from './support/relay';

/**
 * SCENARIO_FILE on the real pair: the master KME plays the timed changes from its start, and the
 * link is in the state each step names at the time it names (within a tolerance).
 */

const SCENARIO = `# A scenario as the README shows it, on a shorter clock.
steps:
  - at: 6
    fault: { kind: refuse_requests, count: 1 }
  - at: 8
    for: 4
    link: { eavesdropper: true }
  - at: 16
    for: 3
    link: { quantum_channel: down }
`;

interface ScenarioStatus {
  readonly file: string | null;
  readonly started_at: string | null;
  readonly steps: readonly {
    readonly at_s: number;
    readonly for_s: number | null;
    readonly action: string;
    readonly applied_at: string | null;
    readonly ended_at: string | null;
    readonly error: string | null;
  }[];
}

/** How far from the time a step names its effect may be seen (timers, the heartbeat). */
const TOLERANCE_MS = 300;

const operatorTls = {
  cert: `${E2E_PKI_DIR}/operator.crt`,
  key: `${E2E_PKI_DIR}/operator.key`,
  ca: `${E2E_PKI_DIR}/ca.crt`,
};

describe('a scenario file (SCENARIO_FILE)', () => {
  let dir: string;
  let pair: KmeTestPair;
  let master: SimulationClient;
  let slave: SimulationClient;
  let startedAt: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qkd-scenario-'));
    const file = join(dir, 'lab.yaml');
    writeFileSync(file, SCENARIO);
    pair = await KmeTestPair.start({
      env: { KEY_RATE_BPS: '8192' },
      masterEnv: { SCENARIO_FILE: file },
    });
    master = new SimulationClient({ baseUrl: pair.master.url, tls: operatorTls });
    slave = new SimulationClient({ baseUrl: pair.slave.url, tls: operatorTls });
    const operator = pair.client('master', 'operator');
    const status = await operator.get<ScenarioStatus>('/api/sim/v1/scenario');
    expect(status.status).toBe(200);
    expect(status.body.file).toBe(file);
    startedAt = Date.parse(status.body.started_at ?? '');
  });

  afterAll(async () => {
    await Promise.all([master?.close(), slave?.close()]);
    await pair?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Waits until `seconds` after the scenario's start, then reads the link at both KMEs. */
  async function linkAt(seconds: number): Promise<{ master: LinkState; slave: LinkState }> {
    await pollUntil(`${seconds} s into the scenario`, 60_000, () =>
      Promise.resolve(Date.now() >= startedAt + seconds * 1000 || undefined),
    );
    return { master: await master.link(), slave: await slave.link() };
  }

  it('lists its steps and when it started', async () => {
    const status = await pair
      .client('master', 'operator')
      .get<ScenarioStatus>('/api/sim/v1/scenario');
    expect(status.body.steps.map(({ at_s, for_s, action }) => ({ at_s, for_s, action }))).toEqual([
      { at_s: 6, for_s: null, action: 'refuse the next 1 key requests' },
      { at_s: 8, for_s: 4, action: 'link eavesdropper=true' },
      { at_s: 16, for_s: 3, action: 'link quantum_channel=down' },
    ]);
    // The pair took a few seconds to start: the first step is still to come.
    expect(Date.now() - startedAt).toBeLessThan(6_000);
  });

  it('before the first step the link generates', async () => {
    const { master: link } = await linkAt(5);
    expect(link).toMatchObject({ eavesdropper: false, quantum_channel: 'up', generating: true });
  });

  it('at 6 s a refuse_requests fault: the next key request at the master KME gets 503', async () => {
    await linkAt(6 + TOLERANCE_MS / 1000);
    const sae1 = pair.client('master', 'sae-1');
    expectEtsiError(await encKeys(sae1, 'sae-2', { number: 1 }), 503, /refused on purpose/);
    expect((await encKeys(sae1, 'sae-2', { number: 1 })).status).toBe(200);
  });

  it('at 8 s an eavesdropper for 4 s: the link aborts, at both KMEs, then recovers at 12 s', async () => {
    const during = await linkAt(8 + TOLERANCE_MS / 1000);
    expect(during.master).toMatchObject({ eavesdropper: true, generating: false });
    // The slave KME learns it with the next heartbeat answer, within a second.
    const atSlave = await linkAt(9 + TOLERANCE_MS / 1000);
    expect(atSlave.slave).toEqual(atSlave.master);
    expect((await linkAt(11.5)).master.eavesdropper).toBe(true);
    const after = await linkAt(12 + TOLERANCE_MS / 1000);
    expect(after.master).toMatchObject({ eavesdropper: false, generating: true });
  });

  it('at 16 s the quantum channel down for 3 s, then up again at 19 s', async () => {
    expect((await linkAt(15.5)).master.quantum_channel).toBe('up');
    const during = await linkAt(16 + TOLERANCE_MS / 1000);
    expect(during.master).toMatchObject({
      quantum_channel: 'down',
      generating: false,
      reason: 'the quantum channel is down',
    });
    expect((await linkAt(18.5)).master.quantum_channel).toBe('down');
    const after = await linkAt(19 + TOLERANCE_MS / 1000);
    expect(after.master).toMatchObject({ quantum_channel: 'up', generating: true });
  });

  it('applied every step at its time, and says so', async () => {
    const status = await pair
      .client('master', 'operator')
      .get<ScenarioStatus>('/api/sim/v1/scenario');
    const offsets = status.body.steps.map((step) => ({
      applied: Date.parse(step.applied_at ?? '') - startedAt - step.at_s * 1000,
      ended:
        step.for_s === null
          ? 0
          : Date.parse(step.ended_at ?? '') - startedAt - (step.at_s + step.for_s) * 1000,
      error: step.error,
    }));
    process.stderr.write(
      `scenario: each step applied this many ms after its time: ${JSON.stringify(offsets)}\n`,
    );
    for (const { applied, ended, error } of offsets) {
      expect(error).toBeNull();
      expect(applied).toBeGreaterThanOrEqual(0);
      expect(applied).toBeLessThan(TOLERANCE_MS);
      expect(ended).toBeGreaterThanOrEqual(0);
      expect(ended).toBeLessThan(TOLERANCE_MS);
    }
    expect(pair.master.output).not.toMatch(/could not be applied/);
  });
});

describe('a bad scenario file', () => {
  it('stops the master KME at start, naming SCENARIO_FILE and the step', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qkd-scenario-'));
    try {
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify({ steps: [{ at: 1, link: { eavesdropper: 'yes' } }] }));
      const kme = new KmeProcess('master', await findFreePort(), {
        CA_FILE: join(E2E_PKI_DIR, 'ca.crt'),
        KME_CERT: join(E2E_PKI_DIR, 'kme-1.crt'),
        KME_KEY: join(E2E_PKI_DIR, 'kme-1.key'),
        KEY_STORE: 'memory',
        AMQP_URL: 'amqp://guest:guest@127.0.0.1:9',
        SCENARIO_FILE: file,
      });
      kme.spawnOnly();
      expect(await kme.exitCode()).toBe(1);
      expect(kme.output).toContain(
        `SCENARIO_FILE ${file}: steps[0].link.eavesdropper: eavesdropper must be true or false`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
