import { KmeTestPair, type HttpsClient } from './support/kme-harness';
import {
  BackgroundLoad,
  FAST_LINK_ENV,
  KeyLedger,
  MASTER_TO_SLAVE,
  RoundTripper,
  SLAVE_TO_MASTER,
  UNAVAILABLE_BOUND_MS,
  decKeys,
  encKeys,
  expectNotFound,
  fetchAfterFault,
  isErrorBody,
  issued,
  judgeOutcomes,
  pollUntil,
  show,
  timed,
  withKmeLogs,
  type IssuedKey,
  type LoadOutcome,
  type Unfetched,
} from './support/relay';

/** enc_keys at a surviving KME whose peer is down: a 503 ETSI Error body, within the bound. */
async function expectUnavailable(client: HttpsClient, slaveSae: string): Promise<void> {
  const { answer, ms } = await timed(encKeys(client, slaveSae, { size: 256 }));
  expect(show(answer)).toMatch(/^503 /);
  expect(isErrorBody(answer.body)).toBe(true);
  expect(ms).toBeLessThanOrEqual(UNAVAILABLE_BOUND_MS);
}

async function expectStatus(client: HttpsClient, slaveSae: string): Promise<void> {
  const answer = await client.get(`/api/v1/keys/${slaveSae}/status`);
  expect(show(answer)).toMatch(/^200 /);
}

/** Polls until the load has seen `count` failures in each direction. */
async function failuresInBothDirections(load: BackgroundLoad, count: number): Promise<void> {
  const failed = (role: string) =>
    load.outcomes.filter((o: LoadOutcome) => o.direction.role === role && !o.trip.ok).length;
  await pollUntil('failures in both directions under load', 15_000, () =>
    Promise.resolve(failed('master') >= count && failed('slave') >= count ? true : undefined),
  );
}

describe('a KME killed and restarted mid-run', () => {
  const ledger = new KeyLedger();
  let pair: KmeTestPair;
  let load: BackgroundLoad | undefined;
  let down: RoundTripper;
  let up: RoundTripper;

  beforeAll(async () => {
    pair = await KmeTestPair.start({ env: FAST_LINK_ENV });
    await pair.waitForKeys(500);
    down = new RoundTripper(pair, MASTER_TO_SLAVE);
    up = new RoundTripper(pair, SLAVE_TO_MASTER);
  });

  afterAll(async () => {
    await load?.stop().catch(() => undefined);
    await pair?.stop();
  });

  /** Stops the load; every key it was handed goes to the ledger. */
  async function stopLoad(): Promise<LoadOutcome[]> {
    const outcomes = (await load?.stop()) ?? [];
    load = undefined;
    for (const { trip } of outcomes) ledger.issued(trip.keys);
    return outcomes;
  }

  /** Round trips in both directions succeed again, polled with a deadline. */
  async function recovered(): Promise<void> {
    await pollUntil('round trips in both directions after the restart', 30_000, async () => {
      const [a, b] = await Promise.all([down.once(), up.once()]);
      ledger.issued([...a.keys, ...b.keys]);
      return a.ok && b.ok ? true : undefined;
    });
  }

  /** Keys of failed round trips: fetched again, all at once, each with its bytes or 400 (lost). */
  async function settle(unfetched: Unfetched[]): Promise<void> {
    const results = await Promise.all(
      unfetched.map(({ direction, keys }) => {
        const tripper = direction === MASTER_TO_SLAVE ? down : up;
        return fetchAfterFault(tripper.dec, direction.masterSae, keys, true);
      }),
    );
    for (const { fetched } of results) ledger.fetched(fetched);
  }

  async function runsAsBefore(): Promise<void> {
    await pair.waitForKeys(500);
    for (let i = 0; i < 20; i++) {
      ledger.issued(await down.mustSucceed());
      ledger.issued(await up.mustSucceed());
    }
  }

  it('the master KME (SIGKILL): 503 at the slave KME, recovery, lost keys 400, never other bytes', () =>
    withKmeLogs(pair, async () => {
      ledger.issued(await down.mustSucceed());
      ledger.issued(await up.mustSucceed());
      // Delivered to the slave KME's store: survives the master KME.
      const keptAtSlave = issued(await encKeys(down.enc, 'sae-2', { number: 3, size: 256 }));
      // Recorded only in the master KME's memory: lost with it.
      const lostAtMaster = issued(await encKeys(up.enc, 'sae-1', { number: 3, size: 256 }));
      ledger.issued([...keptAtSlave, ...lostAtMaster]);

      load = new BackgroundLoad([down, up]);
      await pair.master.kill();

      await expectUnavailable(up.enc, 'sae-1');
      await expectStatus(up.enc, 'sae-1');
      // Keys the slave KME holds are still served, with their bytes.
      const kept = await fetchAfterFault(down.dec, 'sae-1', keptAtSlave, false);
      ledger.fetched(kept.fetched);
      await failuresInBothDirections(load, 3);

      await pair.master.start();
      await recovered();
      const verdict = judgeOutcomes(await stopLoad(), { deadKme: 'master', lostKeys: true });
      expect(verdict.violations).toEqual([]);
      expect(verdict.unavailable).toBeGreaterThan(0);

      for (const key of lostAtMaster) expectNotFound(await decKeys(up.dec, 'sae-2', [key.keyId]));
      await settle(verdict.unfetched);
      await runsAsBefore();
    }));

  it('the slave KME (SIGKILL): 503 at the master KME, recovery, lost keys 400, never other bytes', () =>
    withKmeLogs(pair, async () => {
      ledger.issued(await down.mustSucceed());
      ledger.issued(await up.mustSucceed());
      // Recorded in the master KME's store: survives the slave KME.
      const keptAtMaster = issued(await encKeys(up.enc, 'sae-1', { number: 3, size: 256 }));
      // Activated at the slave KME only: lost with it.
      const lostAtSlave = issued(await encKeys(down.enc, 'sae-2', { number: 3, size: 256 }));
      ledger.issued([...keptAtMaster, ...lostAtSlave]);

      load = new BackgroundLoad([down, up]);
      await pair.slave.kill();
      const killedAt = Date.now();

      // The master KME notices the missing heartbeat, then refuses keys it could not share.
      const handedOutMeanwhile: IssuedKey[] = [];
      await pollUntil(
        'enc_keys at the master KME answering 503',
        UNAVAILABLE_BOUND_MS,
        async () => {
          const answer = await encKeys(down.enc, 'sae-2', { size: 256 });
          if (answer.status === 200) handedOutMeanwhile.push(...issued(answer));
          return answer.status === 503 ? true : undefined;
        },
      );
      process.stderr.write(
        `slave KME killed: master KME answers 503 after ${Date.now() - killedAt} ms\n`,
      );
      ledger.issued(handedOutMeanwhile);
      await expectUnavailable(down.enc, 'sae-2');
      await expectStatus(down.enc, 'sae-2');
      const kept = await fetchAfterFault(up.dec, 'sae-2', keptAtMaster, false);
      ledger.fetched(kept.fetched);
      await failuresInBothDirections(load, 3);

      await pair.slave.start();
      await recovered();
      const verdict = judgeOutcomes(await stopLoad(), { deadKme: 'slave', lostKeys: true });
      expect(verdict.violations).toEqual([]);
      expect(verdict.unavailable).toBeGreaterThan(0);

      // The new slave KME run never had these keys' material: not found, never other bytes.
      const lost = await fetchAfterFault(down.dec, 'sae-1', lostAtSlave, true);
      expect(lost.lost).toHaveLength(lostAtSlave.length);
      const meanwhile = await fetchAfterFault(down.dec, 'sae-1', handedOutMeanwhile, true);
      ledger.fetched(meanwhile.fetched);
      await settle(verdict.unfetched);
      await runsAsBefore();
    }));

  it('the slave KME restarted at once, before the master KME notices: the new run is served', () =>
    withKmeLogs(pair, async () => {
      ledger.issued(await down.mustSucceed());
      const lostAtSlave = issued(await encKeys(down.enc, 'sae-2', { number: 2, size: 256 }));
      ledger.issued(lostAtSlave);

      // The load keeps the master KME allocating and its source refilling across the restart.
      load = new BackgroundLoad([down, up]);
      await pair.slave.kill();
      await pair.slave.start();
      const verdict = judgeOutcomes(await stopLoad(), { deadKme: 'slave', lostKeys: true });
      expect(verdict.violations).toEqual([]);

      // Once the new run holds material, every key handed out is served at once: no polling.
      const atSlave = pair.client('slave', 'sae-2');
      await pollUntil('material at the new slave KME run', 15_000, async () => {
        const status = await atSlave.get<{ stored_key_count: number }>('/api/v1/keys/sae-1/status');
        return status.body.stored_key_count >= 100 ? true : undefined;
      });
      for (let i = 0; i < 30; i++) {
        ledger.issued(await down.mustSucceed({ number: 1 + (i % 4), size: 256 }));
        ledger.issued(await up.mustSucceed({ number: 1 + (i % 4), size: 256 }));
      }

      const lost = await fetchAfterFault(down.dec, 'sae-1', lostAtSlave, true);
      expect(lost.lost).toHaveLength(lostAtSlave.length);
      await settle(verdict.unfetched);
    }));

  it('never handed out a key ID twice, nor a byte of material in two keys', () => {
    ledger.expectNoReusedMaterial();
  });
});
