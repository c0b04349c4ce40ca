import { KmeTestPair, type HttpsClient, type KmeProcess } from './support/kme-harness';
import {
  BackgroundLoad,
  FAST_LINK_ENV,
  KeyLedger,
  MASTER_TO_SLAVE,
  RoundTripper,
  SLAVE_TO_MASTER,
  decKeys,
  encKeys,
  expectNotFound,
  expectSameKeys,
  isErrorBody,
  issued,
  judgeOutcomes,
  pollUntil,
  show,
  withKmeLogs,
  type IssuedKey,
  type LoadOutcome,
} from './support/relay';

/**
 * Both KMEs keep their keys in their stores (issue 10): a KME killed with SIGKILL and started
 * again changes nothing an SAE can see. Every key an SAE was handed is fetchable once at the
 * peer afterwards, with its bytes; a key fetched before the crash is refused after it; no key ID
 * ever yields two different keys; the pools refill. Each fault runs under 16 clients doing
 * enc_keys → dec_keys round trips, 8 in each direction.
 */
const CLIENTS_PER_DIRECTION = 8;

describe('KMEs killed (SIGKILL) under load and started again: nothing an SAE sees changes', () => {
  const ledger = new KeyLedger();
  let pair: KmeTestPair;
  let down: RoundTripper;
  let up: RoundTripper;
  let load: BackgroundLoad | undefined;

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

  /** Keys handed out in each direction and not fetched yet: all must survive the crash. */
  async function handOutUnfetched(): Promise<{ toSlave: IssuedKey[]; toMaster: IssuedKey[] }> {
    const toSlave = issued(await encKeys(down.enc, 'sae-2', { number: 3, size: 256 }));
    const toMaster = issued(await encKeys(up.enc, 'sae-1', { number: 3, size: 256 }));
    ledger.issued([...toSlave, ...toMaster]);
    return { toSlave, toMaster };
  }

  /** Keys fetched at each KME before the crash: both must be refused after it. */
  async function fetchedBefore(): Promise<{ atSlave: IssuedKey[]; atMaster: IssuedKey[] }> {
    const atSlave = await down.mustSucceed();
    const atMaster = await up.mustSucceed();
    ledger.issued([...atSlave, ...atMaster]);
    return { atSlave, atMaster };
  }

  /** Round trips in both directions succeed again, polled with a deadline. */
  async function recovered(): Promise<void> {
    await pollUntil('round trips in both directions after the restart', 30_000, async () => {
      const [a, b] = await Promise.all([down.once(), up.once()]);
      ledger.issued([...a.keys, ...b.keys]);
      return a.ok && b.ok ? true : undefined;
    });
  }

  /**
   * Stops the load and checks it: every refusal was a 503 Error body (or no answer from the KME
   * that was down), and every key a round trip was handed is fetched now, once, with its bytes.
   * A dec_keys the dead KME took without answering may have delivered its keys: only those may
   * be refused now.
   */
  async function settleLoad(dead: readonly KmeProcess[]): Promise<void> {
    const outcomes: LoadOutcome[] = (await load?.stop()) ?? [];
    load = undefined;
    for (const { trip } of outcomes) ledger.issued(trip.keys);
    const deadKme = dead.length === 1 ? dead[0].role : undefined;
    const verdict = judgeOutcomes(
      outcomes.filter(({ trip }) => deadKme !== undefined || trip.ok || trip.answer !== undefined),
      { deadKme, lostKeys: false },
    );
    expect(verdict.violations).toEqual([]);
    expect(verdict.succeeded).toBeGreaterThan(0);
    for (const { direction, keys } of verdict.unfetched) {
      const tripper = direction === MASTER_TO_SLAVE ? down : up;
      const trip = outcomes.find((o) => o.trip.keys === keys)?.trip;
      const unanswered = trip !== undefined && !trip.ok && trip.answer === undefined;
      for (const key of keys) {
        const answer = await decKeys(tripper.dec, direction.masterSae, [key.keyId]);
        if (answer.status === 200) {
          const [got] = issued(answer);
          expectSameKeys([key], [got]);
          ledger.fetched([got]);
          continue;
        }
        if (!unanswered) {
          throw new Error(`key ${key.keyId} should have survived the crash: ${show(answer)}`);
        }
        expectNotFound(answer);
      }
    }
  }

  /** The keys handed out before the crash are fetched now, with their bytes; refetches refused. */
  async function afterTheCrash(
    unfetched: { toSlave: IssuedKey[]; toMaster: IssuedKey[] },
    fetched: { atSlave: IssuedKey[]; atMaster: IssuedKey[] },
  ): Promise<void> {
    const atSlave = issued(
      await decKeys(
        down.dec,
        'sae-1',
        unfetched.toSlave.map((key) => key.keyId),
      ),
    );
    expectSameKeys(unfetched.toSlave, atSlave);
    const atMaster = issued(
      await decKeys(
        up.dec,
        'sae-2',
        unfetched.toMaster.map((key) => key.keyId),
      ),
    );
    expectSameKeys(unfetched.toMaster, atMaster);
    ledger.fetched([...atSlave, ...atMaster]);
    for (const key of fetched.atSlave) {
      expectNotFound(await decKeys(down.dec, 'sae-1', [key.keyId]));
    }
    for (const key of fetched.atMaster) {
      expectNotFound(await decKeys(up.dec, 'sae-2', [key.keyId]));
    }
  }

  async function poolsRefill(): Promise<void> {
    await pair.waitForKeys(500);
    for (let i = 0; i < 10; i++) {
      ledger.issued(await down.mustSucceed());
      ledger.issued(await up.mustSucceed());
    }
  }

  async function expectStatusAt(client: HttpsClient, peerSae: string): Promise<void> {
    const answer = await client.get(`/api/v1/keys/${peerSae}/status`);
    expect(show(answer)).toMatch(/^200 /);
  }

  /** Polls until the load saw failing round trips in both directions: the fault is felt. */
  async function loadFeelsIt(): Promise<void> {
    await pollUntil('failed round trips in both directions', 15_000, () => {
      const failed = (role: string) =>
        load?.outcomes.filter((o) => o.direction.role === role && !o.trip.ok).length ?? 0;
      return Promise.resolve(failed('master') >= 2 && failed('slave') >= 2 ? true : undefined);
    });
  }

  it.each([
    ['the master KME', ['master'] as const],
    ['the slave KME', ['slave'] as const],
    ['both KMEs at once', ['master', 'slave'] as const],
  ])('%s', (_, roles) =>
    withKmeLogs(pair, async () => {
      const fetched = await fetchedBefore();
      const unfetched = await handOutUnfetched();
      const dead = roles.map((role) => (role === 'master' ? pair.master : pair.slave));

      load = new BackgroundLoad([down, up], CLIENTS_PER_DIRECTION);
      await pollUntil('round trips under load before the crash', 10_000, () =>
        Promise.resolve((load?.outcomes.filter((o) => o.trip.ok).length ?? 0) >= 50 || undefined),
      );
      await Promise.all(dead.map((kme) => kme.kill()));
      if (dead.length === 1) {
        const survivor = dead[0].role === 'master' ? down.dec : down.enc;
        await expectStatusAt(survivor, dead[0].role === 'master' ? 'sae-1' : 'sae-2');
      }
      await loadFeelsIt();

      await Promise.all(dead.map((kme) => kme.start()));
      await recovered();
      await settleLoad(dead);
      await afterTheCrash(unfetched, fetched);
      await poolsRefill();
      // The stores were reconciled, not replaced: the only link reset is the pair's first.
      expect(pair.master.output.match(/link reset/g)).toHaveLength(1);
    }),
  );

  it('a key fetched at a KME is refused after that KME restarts', () =>
    withKmeLogs(pair, async () => {
      const fetched = await fetchedBefore();
      await pair.slave.kill();
      await pair.master.kill();
      await Promise.all([pair.master.start(), pair.slave.start()]);
      await recovered();
      const again = [
        await decKeys(
          down.dec,
          'sae-1',
          fetched.atSlave.map((key) => key.keyId),
        ),
        await decKeys(
          up.dec,
          'sae-2',
          fetched.atMaster.map((key) => key.keyId),
        ),
      ];
      for (const answer of again) {
        expect(isErrorBody(answer.body)).toBe(true);
        expectNotFound(answer);
      }
    }));

  it('never handed out a key ID twice, nor a byte of material in two keys', () => {
    expect(ledger.size).toBeGreaterThan(200);
    ledger.expectNoReusedMaterial();
  });
});
