import { SimulationClient, type LinkPatch, type LinkState } from '@app/etsi-client';
import { ABORT_QBER_THRESHOLD, LINK_PRESETS, secretKeyRate } from '@app/link-model';
import { E2E_PKI_DIR } from './support/e2e-paths';
import {
  expect200,
  expectEtsiError,
  expectKeyContainer,
  type KeyContainer,
  type Status,
} from './support/etsi';
import { KmeTestPair, type HttpAnswer, type HttpsClient, type Role } from './support/kme-harness';
import { decKeys, encKeys, issued, pollUntil, type IssuedKey } from './support/relay';

/**
 * The simulated link of issue 13 on the real pair and broker: the key source obeys the link
 * model and the faults of the simulation API (/api/sim/v1, operator certificate only).
 */

const operatorTls = {
  cert: `${E2E_PKI_DIR}/operator.crt`,
  key: `${E2E_PKI_DIR}/operator.key`,
  ca: `${E2E_PKI_DIR}/ca.crt`,
};

function simulationAt(pair: KmeTestPair, role: Role): SimulationClient {
  const kme = role === 'master' ? pair.master : pair.slave;
  return new SimulationClient({ baseUrl: kme.url, tls: operatorTls });
}

/** Bits in the pool of `role` as its SAE's status says (stored keys × key size). */
async function poolBits(
  pair: KmeTestPair,
  clients: Record<Role, HttpsClient>,
  role: Role,
): Promise<number> {
  const peerSae = role === 'master' ? 'sae-2' : 'sae-1';
  const answer = await clients[role].get<Status>(`/api/v1/keys/${peerSae}/status`);
  expect200(answer);
  return answer.body.stored_key_count * answer.body.key_size;
}

const patch = (client: HttpsClient, body: unknown): Promise<HttpAnswer> =>
  client.send('PATCH', '/api/sim/v1/link', JSON.stringify(body));

/** Waits until the pool of `role` holds the same for `stableMs` (it stopped growing). */
async function untilStill(
  read: () => Promise<number>,
  stableMs: number,
  timeoutMs: number,
): Promise<number> {
  let last = await read();
  let since = Date.now();
  return pollUntil(
    `the pool to stop growing for ${stableMs} ms`,
    timeoutMs,
    async () => {
      const now = await read();
      if (now !== last) {
        last = now;
        since = Date.now();
        return undefined;
      }
      return Date.now() - since >= stableMs ? now : undefined;
    },
    () => `last ${last} bits`,
  );
}

/** For `ms`, the value read never rises above `level`. */
async function staysAtMost(read: () => Promise<number>, level: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    expect(await read()).toBeLessThanOrEqual(level);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a long-haul link (LINK_PRESET=long-haul)', () => {
  const KEY_BITS = 1024;
  // 20 000 keys of 1024 bits: 20.5 Mbit, half a minute of the model's 639 kbit/s, so 10 s of it
  // fits however long the pair took to start; measured in whole keys of 1024 bits (0.2% of 10 s).
  const env = {
    LINK_PRESET: 'long-haul',
    DEFAULT_KEY_SIZE: String(KEY_BITS),
    MAX_KEY_COUNT: '20000',
  };
  const modelBps = secretKeyRate(LINK_PRESETS['long-haul'].parameters).secretKeyRateBps;
  let pair: KmeTestPair;
  let status: Record<Role, HttpsClient>;
  let sim: Record<Role, SimulationClient>;

  beforeAll(async () => {
    pair = await KmeTestPair.start({ env });
    status = { master: pair.client('master', 'sae-1'), slave: pair.client('slave', 'sae-2') };
    sim = { master: simulationAt(pair, 'master'), slave: simulationAt(pair, 'slave') };
    await pair.waitForKeys(1);
  });

  afterAll(async () => {
    await Promise.all([sim.master.close(), sim.slave.close()]);
    await pair.stop();
  });

  const bits = (role: Role) => () => poolBits(pair, status, role);

  it('reports the model: 100 km, the preset, its QBER and rate, generating, at both KMEs', async () => {
    const physics = secretKeyRate(LINK_PRESETS['long-haul'].parameters);
    const expected: LinkState = {
      quantum_channel: 'up',
      eavesdropper: false,
      qber: physics.qber,
      secret_key_rate_bps: physics.secretKeyRateBps,
      distance_km: 100,
      preset: 'long-haul',
      generating: true,
      reason: null,
    };
    expect(await sim.master.link()).toEqual(expected);
    expect(await sim.slave.link()).toEqual(expected);
  });

  it("exposes the model's figures as metrics of the master KME", async () => {
    const answer = await pair.client('master', undefined).get<string>('/metrics');
    expect(answer.status).toBe(200);
    const value = (name: string): number => {
      const line = new RegExp(`^${name}\\{kme_id="kme-1"\\} (\\S+)$`, 'm').exec(answer.body);
      if (line === null) throw new Error(`no ${name} in the metrics`);
      return Number(line[1]);
    };
    const physics = secretKeyRate(LINK_PRESETS['long-haul'].parameters);
    expect(value('kme_link_qber')).toBeCloseTo(physics.qber, 9);
    expect(value('kme_link_secret_key_rate_bps') / physics.secretKeyRateBps).toBeCloseTo(1, 9);
    expect(value('kme_link_generating')).toBe(1);
  });

  it("fills the pool at the model's rate: measured over 10 s, within 10%, at both KMEs", async () => {
    const start = { at: Date.now(), master: await bits('master')(), slave: await bits('slave')() };
    await pollUntil('10 s to pass', 15_000, () =>
      Promise.resolve(Date.now() - start.at >= 10_000 || undefined),
    );
    const [master, slave] = [await bits('master')(), await bits('slave')()];
    const seconds = (Date.now() - start.at) / 1000;
    const measured = {
      master: (master - start.master) / seconds,
      slave: (slave - start.slave) / seconds,
    };
    process.stderr.write(
      `long-haul: model ${modelBps.toFixed(0)} bit/s; measured over ${seconds.toFixed(2)} s: master KME ${measured.master.toFixed(0)} bit/s (${((measured.master / modelBps - 1) * 100).toFixed(1)}%), slave KME ${measured.slave.toFixed(0)} bit/s (${((measured.slave / modelBps - 1) * 100).toFixed(1)}%)\n`,
    );
    expect(master).toBeLessThan(20_000 * KEY_BITS);
    for (const rate of [measured.master, measured.slave]) {
      expect(rate / modelBps).toBeGreaterThan(0.9);
      expect(rate / modelBps).toBeLessThan(1.1);
    }
  });

  interface FaultCase {
    readonly fault: string;
    readonly on: LinkPatch;
    readonly off: LinkPatch;
    readonly reason: RegExp;
    readonly qberAbove: number;
  }
  describe.each<FaultCase>([
    {
      fault: 'an eavesdropper',
      on: { eavesdropper: true },
      off: { eavesdropper: false },
      reason: /^QBER \d+\.\d% above the abort threshold 11\.0%$/,
      qberAbove: ABORT_QBER_THRESHOLD,
    },
    {
      fault: 'the quantum channel down',
      on: { quantum_channel: 'down' },
      off: { quantum_channel: 'up' },
      reason: /^the quantum channel is down$/,
      qberAbove: ABORT_QBER_THRESHOLD,
    },
  ])('$fault', ({ on, off, reason, qberAbove }) => {
    it('stops generation at once (QBER above the threshold within 2 s at both KMEs), enc_keys serves what is stored then 503, and it resumes when cleared', async () => {
      const began = Date.now();
      const changed = await sim.master.setLink(on);
      expect(changed.qber).toBeGreaterThan(qberAbove);
      expect(changed).toMatchObject({ generating: false, secret_key_rate_bps: 0 });
      expect(changed.reason).toMatch(reason);
      await pollUntil('the slave KME to see the fault', 2_000, async () =>
        JSON.stringify(await sim.slave.link()) === JSON.stringify(changed) ? true : undefined,
      );
      process.stderr.write(
        `${JSON.stringify(on)}: slave KME saw it after ${Date.now() - began} ms\n`,
      );

      // The pool stops growing at both KMEs (blocks already on their way still land).
      const stopped = await untilStill(bits('master'), 1_000, 5_000);
      await untilStill(bits('slave'), 1_000, 5_000);
      expect(stopped).toBeGreaterThan(0);

      // What is stored is served, until it is gone: then 503 with Retry-After.
      const sae1 = pair.client('master', 'sae-1');
      let served = 0;
      let refusal: HttpAnswer | undefined;
      while (refusal === undefined) {
        const answer = await encKeys(sae1, 'sae-2', { number: 128, size: KEY_BITS });
        if (answer.status === 200) served += issued(answer).length;
        else refusal = answer;
        expect(served * KEY_BITS).toBeLessThanOrEqual(stopped);
      }
      expect(served * KEY_BITS).toBeGreaterThan(stopped - 128 * KEY_BITS);
      expectEtsiError(refusal, 503, /not enough key material/);
      expect(refusal.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
      const single = await encKeys(sae1, 'sae-2', { number: 1, size: KEY_BITS });
      await staysAtMost(bits('master'), KEY_BITS * 128, 2_000);
      if (single.status !== 200) expectEtsiError(single, 503, /not enough key material/);

      // Cleared: the pool grows again at both KMEs.
      const resumed = await sim.master.setLink(off);
      expect(resumed).toMatchObject({ generating: true, reason: null });
      const low = await bits('master')();
      await pollUntil(
        'the master KME pool to grow again',
        5_000,
        async () => (await bits('master')()) > low + 8 * KEY_BITS || undefined,
      );
      await pollUntil(
        'the slave KME pool to grow again',
        5_000,
        async () => (await bits('slave')()) > 8 * KEY_BITS || undefined,
      );
    });
  });
});

describe('the simulation API and its faults (KEY_RATE_BPS=4096)', () => {
  const KEY_BITS = 256;
  let pair: KmeTestPair;
  let sim: SimulationClient;
  let simAtSlave: SimulationClient;
  let sae1: HttpsClient;
  let sae2: HttpsClient;

  beforeAll(async () => {
    pair = await KmeTestPair.start({
      env: { KEY_RATE_BPS: '4096', DEFAULT_KEY_SIZE: String(KEY_BITS), MAX_KEY_COUNT: '32' },
    });
    sim = simulationAt(pair, 'master');
    simAtSlave = simulationAt(pair, 'slave');
    sae1 = pair.client('master', 'sae-1');
    sae2 = pair.client('slave', 'sae-2');
    await pair.waitForKeys(32);
  });

  afterAll(async () => {
    await Promise.all([sim.close(), simAtSlave.close()]);
    await pair.stop();
  });

  // Each test starts on a clean link with material at both KMEs.
  beforeEach(async () => {
    await sim.clearFaults();
    await sim.setLink({ quantum_channel: 'up', eavesdropper: false });
    await pair.waitForKeys(16);
  });

  const stored = async (client: HttpsClient, peerSae: string): Promise<number> => {
    const answer = await client.get<Status>(`/api/v1/keys/${peerSae}/status`);
    expect200(answer);
    return answer.body.stored_key_count;
  };

  describe('who may call it', () => {
    it.each([
      ['master', 'sae-1'],
      ['master', 'kme-2'],
      ['slave', 'sae-2'],
      ['slave', 'kme-1'],
    ] as const)(
      'at the %s KME, the %s certificate gets 401 with an ETSI Error body',
      async (role, name) => {
        const client = pair.client(role, name);
        const answers = [await client.get('/api/sim/v1/link')];
        // The slave KME has GET /link only.
        if (role === 'master') answers.push(await patch(client, { eavesdropper: true }));
        for (const answer of answers) expectEtsiError(answer, 401, /is not the operator's/);
        expect((await sim.link()).eavesdropper).toBe(false);
      },
    );

    it('without a client certificate: 401', async () => {
      expectEtsiError(await pair.client('master', undefined).get('/api/sim/v1/faults'), 401);
    });

    it('the operator certificate is no SAE: 401 at the ETSI API', async () => {
      const operator = pair.client('master', 'operator');
      expectEtsiError(await operator.get('/api/v1/keys/sae-2/status'), 401);
      expect((await operator.get('/api/sim/v1/link')).status).toBe(200);
    });

    it('the slave KME serves the link read-only', async () => {
      const operator = pair.client('slave', 'operator');
      expect((await operator.get('/api/sim/v1/link')).status).toBe(200);
      expectEtsiError(await patch(operator, { eavesdropper: true }), 404);
      expectEtsiError(await operator.post('/api/sim/v1/pool/drain'), 404);
    });
  });

  describe('PATCH /link', () => {
    it('refuses bad values with a 400 naming the member, changing nothing', async () => {
      const operator = pair.client('master', 'operator');
      const cases: [unknown, string][] = [
        [{ eavesdropper: 'yes' }, 'eavesdropper'],
        [{ quantum_channel: 'sideways' }, 'quantum_channel'],
        [{ distance_km: -1 }, 'distance_km'],
        [{ preset: 'backbone' }, 'preset'],
        [{ key_rate_bps: 1.5 }, 'key_rate_bps'],
        [{ eavesdropper: null }, 'eavesdropper'],
        [{ distance_km: 50 }, 'distance_km'],
        [{ preset: 'metro', key_rate_bps: 10 }, 'key_rate_bps'],
        [{ qber: 0.3 }, 'qber'],
      ];
      for (const [body, member] of cases) {
        const error = expectEtsiError(await patch(operator, body), 400);
        expect(error.details?.some((detail) => member in detail)).toBe(true);
      }
      expect(await sim.link()).toMatchObject({
        eavesdropper: false,
        quantum_channel: 'up',
        secret_key_rate_bps: 4096,
      });
    });

    it('switches between a preset, a distance and a fixed rate', async () => {
      const metro = await sim.setLink({ preset: 'metro', distance_km: 50 });
      expect(metro).toMatchObject({ preset: 'metro', distance_km: 50, generating: true });
      expect(metro.secret_key_rate_bps).toBeCloseTo(
        secretKeyRate({ ...LINK_PRESETS.metro.parameters, fibreLengthKm: 50 }).secretKeyRateBps,
        0,
      );
      const far = await sim.setLink({ distance_km: 400 });
      expect(far).toMatchObject({ generating: false, secret_key_rate_bps: 0, distance_km: 400 });
      const fixed = await sim.setLink({ key_rate_bps: 4096 });
      expect(fixed).toMatchObject({
        preset: null,
        distance_km: null,
        secret_key_rate_bps: 4096,
        qber: 0.02,
        generating: true,
      });
    });
  });

  describe('POST /pool/drain', () => {
    it('drops the unused material at both KMEs; keys handed out stay valid', async () => {
      await pair.waitForKeys(32);
      const toMaster = issued(await encKeys(sae1, 'sae-2', { number: 2 }));
      const toSlave = issued(await encKeys(sae2, 'sae-1', { number: 2 }));
      // Nothing refills while the channel is down: what the drain leaves is what we see.
      await sim.setLink({ quantum_channel: 'down' });
      const result = await sim.drain();
      expect(result).toMatchObject({ slave_kme_reset: true });
      expect(result.discarded_bits).toBeGreaterThan(0);
      expect(await stored(sae1, 'sae-2')).toBe(0);
      await pollUntil(
        'the slave KME to drop its copy',
        2_000,
        async () => (await stored(sae2, 'sae-1')) === 0 || undefined,
      );
      for (const [client, peer] of [
        [sae1, 'sae-2'],
        [sae2, 'sae-1'],
      ] as const) {
        const refused = await encKeys(client, peer, { number: 1 });
        expectEtsiError(refused, 503, /not enough key material/);
        expect(refused.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
      }
      // The keys handed out before the drain are still there, once, at the peer KME.
      expect(
        issued(
          await decKeys(
            sae2,
            'sae-1',
            toMaster.map((k) => k.keyId),
          ),
        ),
      ).toEqual(toMaster);
      expect(
        issued(
          await decKeys(
            sae1,
            'sae-2',
            toSlave.map((k) => k.keyId),
          ),
        ),
      ).toEqual(toSlave);
      // The link refills and enc_keys serves again.
      await sim.setLink({ quantum_channel: 'up' });
      await pollUntil(
        'enc_keys to serve again',
        5_000,
        async () => (await encKeys(sae1, 'sae-2', { number: 1 })).status === 200 || undefined,
      );
    });

    it('on a running link the next enc_keys answers 503 with Retry-After until the link refills', async () => {
      await pair.waitForKeys(32);
      await sim.drain();
      // 8 keys of 256 bits are half a second of this link's 4096 bit/s.
      const refused = await encKeys(sae1, 'sae-2', { number: 8 });
      expectEtsiError(refused, 503, /not enough key material/);
      expect(refused.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
      const began = Date.now();
      const keys = await pollUntil('the link to refill', 5_000, async () => {
        const answer = await encKeys(sae1, 'sae-2', { number: 8 });
        return answer.status === 200 ? issued(answer) : undefined;
      });
      process.stderr.write(`drain: 8 keys of 256 bits again after ${Date.now() - began} ms\n`);
      expect(
        issued(
          await decKeys(
            sae2,
            'sae-1',
            keys.map((k) => k.keyId),
          ),
        ),
      ).toEqual(keys);
    });
  });

  describe('refuse_requests', () => {
    it('at the master KME (the default): the next N key requests get 503, status does not count', async () => {
      const added = await sim.addFault({ kind: 'refuse_requests', count: 2 });
      expect(added).toMatchObject({
        kind: 'refuse_requests',
        count: 2,
        kme_id: 'kme-1',
        remaining: 2,
        in_force: true,
      });
      const first = await encKeys(sae1, 'sae-2', { number: 1 });
      expectEtsiError(first, 503, /refused on purpose by the simulated fault/);
      expect(first.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
      expect((await sae1.get('/api/v1/keys/sae-2/status')).status).toBe(200);
      // The slave KME is not affected.
      const atSlave = issued(await encKeys(sae2, 'sae-1', { number: 1 }));
      expect(await sim.faults()).toMatchObject([{ remaining: 1 }]);
      expectEtsiError(
        await decKeys(
          sae1,
          'sae-2',
          atSlave.map((k) => k.keyId),
        ),
        503,
        /refused on purpose/,
      );
      expect(await sim.faults()).toEqual([]);
      // The refused dec_keys consumed nothing.
      expect(
        issued(
          await decKeys(
            sae1,
            'sae-2',
            atSlave.map((k) => k.keyId),
          ),
        ),
      ).toEqual(atSlave);
      expect200(await encKeys(sae1, 'sae-2', { number: 1 }));
    });

    it('at the slave KME: in force when the POST answers, the next N there get 503', async () => {
      const added = await sim.addFault({ kind: 'refuse_requests', count: 2, kme_id: 'kme-2' });
      expect(added).toMatchObject({ kme_id: 'kme-2', remaining: 2, in_force: true });
      expectEtsiError(await encKeys(sae2, 'sae-1', { number: 1 }), 503, /refused on purpose/);
      const atMaster = issued(await encKeys(sae1, 'sae-2', { number: 1 }));
      expectEtsiError(
        await decKeys(
          sae2,
          'sae-1',
          atMaster.map((k) => k.keyId),
        ),
        503,
        /refused on purpose/,
      );
      expect(
        issued(
          await decKeys(
            sae2,
            'sae-1',
            atMaster.map((k) => k.keyId),
          ),
        ),
      ).toEqual(atMaster);
      await pollUntil(
        'the master KME to learn the fault is used up',
        3_000,
        async () => (await sim.faults()).length === 0 || undefined,
      );
    });

    it('refuses a KME not of this link, and members of the other kind, naming them', async () => {
      const operator = pair.client('master', 'operator');
      const cases: [unknown, string][] = [
        [{ kind: 'refuse_requests', count: 1, kme_id: 'kme-9' }, 'kme_id'],
        [{ kind: 'refuse_requests', count: 0 }, 'count'],
        [{ kind: 'refuse_requests' }, 'count'],
        [{ kind: 'refuse_requests', count: 1, ms: 5 }, 'ms'],
        [{ kind: 'relay_delay', ms: 100 }, 'duration_s'],
        [{ kind: 'flood' }, 'kind'],
      ];
      for (const [body, member] of cases) {
        const error = expectEtsiError(await operator.post('/api/sim/v1/faults', body), 400);
        expect(error.details?.some((detail) => member in detail)).toBe(true);
      }
      expect(await sim.faults()).toEqual([]);
    });

    it('DELETE /faults clears them at both KMEs', async () => {
      await sim.addFault({ kind: 'refuse_requests', count: 100, kme_id: 'kme-2' });
      await sim.addFault({ kind: 'refuse_requests', count: 100 });
      expect(await sim.faults()).toHaveLength(2);
      await sim.clearFaults();
      expect(await sim.faults()).toEqual([]);
      expect200(await encKeys(sae1, 'sae-2', { number: 1 }));
      expect200(await encKeys(sae2, 'sae-1', { number: 1 }));
    });
  });

  describe('relay_delay', () => {
    /** The keys a dec_keys of `keys` by `client`'s SAE answers (an error answer has none). */
    const fetchedAgain = async (client: HttpsClient, masterSae: string, keys: IssuedKey[]) =>
      issued(
        await decKeys(
          client,
          masterSae,
          keys.map((k) => k.keyId),
        ),
      );

    it('activations reach the slave KME late; dec_keys there still succeeds, within KEY_ID_WAIT_MS', async () => {
      const added = await sim.addFault({ kind: 'relay_delay', ms: 800, duration_s: 60 });
      expect(added).toMatchObject({ kind: 'relay_delay', ms: 800, duration_s: 60, in_force: true });
      for (let i = 0; i < 3; i++) {
        const keys = issued(await encKeys(sae1, 'sae-2', { number: 1 }));
        const began = Date.now();
        const fetched = await fetchedAgain(sae2, 'sae-1', keys);
        const waited = Date.now() - began;
        expect(fetched).toEqual(keys);
        expect(waited).toBeGreaterThanOrEqual(700);
        expect(waited).toBeLessThan(2_000);
        process.stderr.write(
          `relay_delay 800 ms: dec_keys at the slave KME answered after ${waited} ms\n`,
        );
      }
      // Keys activated at the slave KME go by the KME-to-KME API, not the relay: no delay.
      const back = issued(await encKeys(sae2, 'sae-1', { number: 1 }));
      const began = Date.now();
      expect(await fetchedAgain(sae1, 'sae-2', back)).toEqual(back);
      expect(Date.now() - began).toBeLessThan(700);
    });

    it('held up longer than KEY_ID_WAIT_MS: dec_keys answers 503, never "not found", and the key comes later', async () => {
      await sim.addFault({ kind: 'relay_delay', ms: 4_000, duration_s: 60 });
      const keys = issued(await encKeys(sae1, 'sae-2', { number: 1 }));
      const ids = keys.map((k) => k.keyId);
      const early = await decKeys(sae2, 'sae-1', ids);
      expectEtsiError(early, 503, /the keys may still be on their way from the master KME kme-1/);
      expect(early.headers['retry-after']).toBe('1');
      const later = await pollUntil('the held-up activation to arrive', 10_000, async () => {
        const answer = await decKeys(sae2, 'sae-1', ids);
        if (answer.status === 503) return undefined;
        return answer;
      });
      expect(issued(later)).toEqual(keys);
    });

    it('a key ID nobody handed out is "not found" once the link proved it: behind the activations held up, not after KEY_ID_WAIT_MS', async () => {
      await sim.addFault({ kind: 'relay_delay', ms: 500, duration_s: 60 });
      const began = Date.now();
      const held = issued(await encKeys(sae1, 'sae-2', { number: 1 }));
      expectEtsiError(
        await decKeys(sae2, 'sae-1', ['6c7b3f0e-9d2a-4b1c-8e5f-0a1b2c3d4e5f']),
        400,
        /^one or more keys specified are not found on KME$/,
      );
      // The proof (a barrier on the link) came behind the held activation, and well before the
      // 2 s of KEY_ID_WAIT_MS; the held key is there now.
      const waited = Date.now() - began;
      expect(waited).toBeGreaterThanOrEqual(500);
      expect(waited).toBeLessThan(1_800);
      expect(await fetchedAgain(sae2, 'sae-1', held)).toEqual(held);
    });

    it('ends when cleared: the next activation arrives at once', async () => {
      await sim.addFault({ kind: 'relay_delay', ms: 1_500, duration_s: 60 });
      await sim.clearFaults();
      const keys = issued(await encKeys(sae1, 'sae-2', { number: 1 }));
      const began = Date.now();
      expect(await fetchedAgain(sae2, 'sae-1', keys)).toEqual(keys);
      expect(Date.now() - began).toBeLessThan(700);
    });

    it('ends after duration_s', async () => {
      await sim.addFault({ kind: 'relay_delay', ms: 100, duration_s: 1 });
      expect(await sim.faults()).toHaveLength(1);
      await pollUntil(
        'the relay_delay to end',
        3_000,
        async () => (await sim.faults()).length === 0 || undefined,
      );
    });
  });

  it('every key request of these tests got identical bytes at both KMEs', async () => {
    const keys = expectKeyContainer(
      await sae1.post<KeyContainer>('/api/v1/keys/sae-2/enc_keys', { number: 2 }),
      2,
      KEY_BITS,
    );
    const fetched = await decKeys(
      sae2,
      'sae-1',
      keys.map((k) => k.key_ID),
    );
    expect((fetched.body as KeyContainer).keys).toEqual(keys);
  });
});
