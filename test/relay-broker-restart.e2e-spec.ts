import { randomUUID } from 'node:crypto';
import { PrivateRabbitMq } from '../scripts/lib/private-rabbitmq';
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
  expectSameKeys,
  isErrorBody,
  issued,
  judgeOutcomes,
  pollUntil,
  show,
  timed,
  withKmeLogs,
  type IssuedKey,
} from './support/relay';

/** Status must keep answering whatever the broker does. */
async function expectStatus(client: HttpsClient, slaveSae: string): Promise<void> {
  const answer = await client.get<{ stored_key_count: number }>(`/api/v1/keys/${slaveSae}/status`);
  expect(show(answer)).toMatch(/^200 /);
}

describe('the broker stopped and restarted mid-run', () => {
  const broker = PrivateRabbitMq.forTest('relay-broker');
  const ledger = new KeyLedger();
  let pair: KmeTestPair;
  let load: BackgroundLoad | undefined;

  beforeAll(async () => {
    await broker.start();
    pair = await KmeTestPair.start({ env: FAST_LINK_ENV, amqpUrl: broker.url });
    await pair.waitForKeys(500);
  });

  afterAll(async () => {
    await load?.stop().catch(() => undefined);
    await pair?.stop();
    await broker.remove();
  });

  it('answers 503 while it is down, keeps status, recovers, and never mismatches a key', () =>
    withKmeLogs(pair, async () => {
      const down = new RoundTripper(pair, MASTER_TO_SLAVE);
      const up = new RoundTripper(pair, SLAVE_TO_MASTER);
      ledger.issued(await down.mustSucceed());
      ledger.issued(await up.mustSucceed());

      // Keys handed out before the outage and fetched only after it: nothing may be lost.
      const waitingAtSlave = issued(await encKeys(down.enc, 'sae-2', { number: 4, size: 256 }));
      const waitingAtMaster = issued(await encKeys(up.enc, 'sae-1', { number: 4, size: 256 }));
      ledger.issued([...waitingAtSlave, ...waitingAtMaster]);

      load = new BackgroundLoad([down, up]);
      const running = load;
      await pollUntil('some round trips under load', 10_000, () =>
        Promise.resolve(running.outcomes.some((o) => o.trip.ok) || undefined),
      );

      await broker.stop();

      // enc_keys at the master KME needs the broker (the activation): 503, fast.
      const enc = await timed(encKeys(down.enc, 'sae-2', { size: 256 }));
      expect(show(enc.answer)).toMatch(/^503 /);
      expect(isErrorBody(enc.answer.body)).toBe(true);
      expect(enc.ms).toBeLessThanOrEqual(UNAVAILABLE_BOUND_MS);

      // A key the slave KME does not hold may still be on the queue: it cannot say "not found".
      const unknown = await timed(decKeys(down.dec, 'sae-1', [randomUUID()]));
      expect(show(unknown.answer)).toMatch(/^503 /);
      expect(isErrorBody(unknown.answer.body)).toBe(true);
      expect(unknown.ms).toBeLessThanOrEqual(UNAVAILABLE_BOUND_MS);

      await expectStatus(down.enc, 'sae-2');
      await expectStatus(down.dec, 'sae-1');

      // The load keeps hitting the dead broker until both directions have met the outage.
      await pollUntil('failures under load during the outage', 15_000, () =>
        Promise.resolve(running.outcomes.filter((o) => !o.trip.ok).length >= 4 || undefined),
      );

      await broker.start();
      const recovered = Date.now();
      await pollUntil(
        'round trips in both directions after the broker returned',
        30_000,
        async () => {
          const [a, b] = await Promise.all([down.once(), up.once()]);
          ledger.issued([...a.keys, ...b.keys]);
          return a.ok && b.ok ? true : undefined;
        },
        () =>
          `master KME:\n${pair.master.output.slice(-2_000)}\nslave KME:\n${pair.slave.output.slice(-2_000)}`,
      );
      process.stderr.write(
        `broker restart: round trips again ${Date.now() - recovered} ms after start\n`,
      );

      const outcomes = await running.stop();
      for (const { trip } of outcomes) ledger.issued(trip.keys);
      const verdict = judgeOutcomes(outcomes, { lostKeys: false });
      expect(verdict.violations).toEqual([]);
      expect(verdict.unavailable).toBeGreaterThan(0);
      process.stderr.write(
        `broker outage: ${verdict.unavailable} answers 503, slowest ${verdict.slowestUnavailableMs} ms\n`,
      );

      // No KME restarted, so every key handed out is still there, with its bytes.
      const fetchLater = async (tripper: RoundTripper, masterSae: string, keys: IssuedKey[]) => {
        const answer = await decKeys(
          tripper.dec,
          masterSae,
          keys.map((key) => key.keyId),
        );
        const fetched = issued(answer);
        expectSameKeys(keys, fetched);
        ledger.fetched(fetched);
      };
      await fetchLater(down, 'sae-1', waitingAtSlave);
      await fetchLater(up, 'sae-2', waitingAtMaster);
      for (const { direction, keys } of verdict.unfetched) {
        await fetchLater(direction === MASTER_TO_SLAVE ? down : up, direction.masterSae, keys);
      }

      // The pool refills, and round trips run as before.
      await pair.waitForKeys(500);
      for (let i = 0; i < 20; i++) {
        ledger.issued(await down.mustSucceed());
        ledger.issued(await up.mustSucceed());
      }
      ledger.expectNoReusedMaterial();
    }));
});
