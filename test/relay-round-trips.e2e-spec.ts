import { KmeTestPair, type HttpAnswer, type Role } from './support/kme-harness';
import {
  FAST_LINK_ENV,
  KeyLedger,
  MASTER_TO_SLAVE,
  RoundTripper,
  SLAVE_TO_MASTER,
  decKeys,
  describeFailure,
  encKeys,
  expectNotFound,
  expectSameKeys,
  issued,
  runConcurrently,
  show,
  type Direction,
  type ErrorBody,
  type IssuedKey,
  type KeyContainer,
} from './support/relay';

/** Two SAEs on each KME, so both KMEs' SAEs allocate, and keys can have several slave SAEs. */
const MASTER_SAES = ['sae-1', 'sae-3'];
const SLAVE_SAES = ['sae-2', 'sae-4'];
const kmeOf = (sae: string): Role => (MASTER_SAES.includes(sae) ? 'master' : 'slave');

describe('the relay under load (real processes, real broker)', () => {
  let pair: KmeTestPair;
  /** Every key this file handed out: checked for reused material at the end. */
  const ledger = new KeyLedger();

  beforeAll(async () => {
    pair = await KmeTestPair.start({
      env: FAST_LINK_ENV,
      masterEnv: { ATTACHED_SAE_ID: MASTER_SAES.join(), LINKED_SAE_ID: SLAVE_SAES.join() },
      slaveEnv: { ATTACHED_SAE_ID: SLAVE_SAES.join(), LINKED_SAE_ID: MASTER_SAES.join() },
    });
    await pair.waitForKeys(2_000);
  });

  afterAll(() => pair?.stop());

  it.each([
    ['master KME → slave KME', MASTER_TO_SLAVE],
    ['slave KME → master KME', SLAVE_TO_MASTER],
  ])(
    '1,000 round trips %s at concurrency 16: enc_keys, immediate dec_keys, same bytes',
    async (_name: string, direction: Direction) => {
      const tripper = new RoundTripper(pair, direction);
      const failures: string[] = [];
      const began = Date.now();
      await runConcurrently(1_000, 16, async () => {
        const trip = await tripper.once({ size: 256 });
        ledger.issued(trip.keys);
        if (!trip.ok) failures.push(describeFailure(trip));
        else ledger.fetched(trip.keys);
      });
      process.stderr.write(`1,000 round trips ${_name}: ${Date.now() - began} ms\n`);
      expect(failures).toEqual([]);
    },
  );

  it('both KMEs allocating at once, multi-key and multi-SAE: every key fetched at the peer matches', async () => {
    const clients = new Map(
      [...MASTER_SAES, ...SLAVE_SAES].flatMap((sae) =>
        (['master', 'slave'] as const)
          .filter((role) => kmeOf(sae) === role)
          .map((role) => [sae, pair.client(role, sae)] as const),
      ),
    );
    const failures: string[] = [];
    let keysFetched = 0;

    /** Request i of SAE `masterSae`: varied counts, sizes and slave SAEs on either KME. */
    const request = async (masterSae: string, i: number): Promise<void> => {
      const own = kmeOf(masterSae) === 'master' ? MASTER_SAES : SLAVE_SAES;
      const peers = kmeOf(masterSae) === 'master' ? SLAVE_SAES : MASTER_SAES;
      const slaveSae = peers[i % 2];
      const additional = i % 3 === 0 ? [own.find((sae) => sae !== masterSae)!] : [];
      if (i % 5 === 0) additional.push(peers[(i + 1) % 2]);
      const number = 1 + (i % 8);
      const size = [256, 512, 1024][i % 3];
      const enc = await encKeys(clients.get(masterSae)!, slaveSae, {
        number,
        size,
        additional_slave_SAE_IDs: additional,
      });
      if (enc.status !== 200) {
        failures.push(`enc_keys by ${masterSae}: ${show(enc)}`);
        return;
      }
      const keys = issued(enc);
      ledger.issued(keys);
      expect(keys).toHaveLength(number);
      expect(keys.every(({ key }) => key.length === size / 8)).toBe(true);

      // Every slave SAE fetches them at once, at its own KME, all at the same time.
      await Promise.all(
        [slaveSae, ...additional].map(async (sae) => {
          const dec = await decKeys(
            clients.get(sae)!,
            masterSae,
            keys.map((key) => key.keyId),
          );
          if (dec.status !== 200) {
            failures.push(`dec_keys by ${sae} of ${masterSae}'s keys: ${show(dec)}`);
            return;
          }
          const fetched = issued(dec);
          expectSameKeys(keys, fetched);
          ledger.fetched(fetched);
          keysFetched += fetched.length;
        }),
      );
    };

    const perSae = 40;
    await Promise.all(
      [...MASTER_SAES, ...SLAVE_SAES].map((sae) =>
        runConcurrently(perSae, 4, (i) => request(sae, i)),
      ),
    );
    expect(failures).toEqual([]);
    expect(keysFetched).toBeGreaterThan(4 * perSae);
  });

  describe('8 concurrent dec_keys for one key: exactly one wins', () => {
    /** Fires 8 dec_keys at once (right after enc_keys, so some may wait for the activation). */
    async function race(direction: Direction, slaveSaes: string[]): Promise<void> {
      const enc = await encKeys(pair.client(direction.role, direction.masterSae), slaveSaes[0], {
        size: 256,
        additional_slave_SAE_IDs: slaveSaes.slice(1),
      });
      const [key] = issued(enc);
      ledger.issued([key]);
      const peer = direction.role === 'master' ? 'slave' : 'master';
      for (const sae of slaveSaes) {
        const client = pair.client(peer, sae);
        const answers = await Promise.all(
          Array.from({ length: 8 }, () => decKeys(client, direction.masterSae, [key.keyId])),
        );
        expectOneWinner(answers, key);
      }
    }

    function expectOneWinner(
      answers: HttpAnswer<KeyContainer | ErrorBody>[],
      key: IssuedKey,
    ): void {
      const winners = answers.filter((answer) => answer.status === 200);
      const losers = answers.filter((answer) => answer.status !== 200);
      expect(winners.map(show)).toHaveLength(1);
      expectSameKeys([key], issued(winners[0]));
      ledger.fetched(issued(winners[0]));
      expect(losers).toHaveLength(7);
      for (const loser of losers) expectNotFound(loser);
    }

    it('a key of the master KME, at the slave KME (the activation may still be in flight)', async () => {
      for (let i = 0; i < 5; i++) await race(MASTER_TO_SLAVE, ['sae-2']);
    });

    it('a key of the slave KME, at the master KME', async () => {
      for (let i = 0; i < 5; i++) await race(SLAVE_TO_MASTER, ['sae-1']);
    });

    it('a key with two slave SAEs: exactly one wins per slave SAE', async () => {
      await race(MASTER_TO_SLAVE, ['sae-2', 'sae-4']);
      await race(SLAVE_TO_MASTER, ['sae-1', 'sae-3']);
    });

    it('a second dec_keys after the winner is refused the same way', async () => {
      const tripper = new RoundTripper(pair, MASTER_TO_SLAVE);
      const keys = await tripper.mustSucceed({ number: 2, size: 256 });
      ledger.issued(keys);
      const again = await decKeys(tripper.dec, 'sae-1', [keys[0].keyId]);
      expectNotFound(again);
    });
  });

  it('never handed out a key ID twice, nor a byte of material in two keys', () => {
    expect(ledger.size).toBeGreaterThan(2_000);
    ledger.expectNoReusedMaterial();
  });
});
