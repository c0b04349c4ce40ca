import type { HttpAnswer } from './support/kme-harness';
import { KmeTestPair } from './support/kme-harness';
import {
  DIRECTIONS,
  clientsOf,
  decKeys,
  encPath,
  eventually,
  expectEtsiError,
  expectKeyContainer,
  statusPath,
  type DirectionClients,
  type Status,
} from './support/etsi';

/**
 * Too little key material (digest §5 [INF]): 503 with an Error body that says so and a
 * Retry-After header. A pool of 4 keys of 128 bits, refilled at 1 kbit/s.
 */
describe('ETSI enc_keys with too little key material (503)', () => {
  let pair: KmeTestPair;

  beforeAll(async () => {
    pair = await KmeTestPair.start({
      env: { MAX_KEY_COUNT: '4', DEFAULT_KEY_SIZE: '128', KEY_RATE_BPS: '1024' },
    });
    await pair.waitForKeys(4);
  });

  afterAll(() => pair.stop());

  function expectNotEnoughMaterial(answer: HttpAnswer): void {
    const body = expectEtsiError(answer, 503);
    expect(body.message).toMatch(/not enough key material/);
    expect(body.message).toMatch(/\d+ bits requested, \d+ bits available/);
    const retryAfter = answer.headers['retry-after'];
    expect(retryAfter).toMatch(/^[1-9][0-9]*$/);
  }

  describe.each(DIRECTIONS)('$name', (direction) => {
    let sae: DirectionClients;

    beforeAll(() => {
      sae = clientsOf(pair, direction);
    });

    const fullPool = () =>
      eventually(
        () => sae.master.get<Status>(statusPath(direction.slaveSae)),
        (answer) => answer.body.stored_key_count === 4,
      );

    it('status shows the tiny pool full: stored_key_count = max_key_count = 4', async () => {
      const { body } = await fullPool();
      expect(body.max_key_count).toBe(4);
      expect(body.stored_key_count).toBe(body.max_key_count);
    });

    it('more keys than the pool holds: 503 saying so, with Retry-After, GET and POST', async () => {
      await fullPool();
      expectNotEnoughMaterial(await sae.master.get(encPath(direction.slaveSae, '?number=5')));
      expectNotEnoughMaterial(await sae.master.post(encPath(direction.slaveSae), { number: 5 }));
    });

    it('a key larger than the whole pool: 503 saying so, with Retry-After, GET and POST', async () => {
      await fullPool();
      expectNotEnoughMaterial(await sae.master.get(encPath(direction.slaveSae, '?size=1024')));
      expectNotEnoughMaterial(
        await sae.master.post(encPath(direction.slaveSae), { number: 1, size: 1024 }),
      );
    });

    it('after the refusals the pool still serves what it holds, identical at the peer KME', async () => {
      await fullPool();
      expectNotEnoughMaterial(await sae.master.post(encPath(direction.slaveSae), { number: 5 }));
      const keys = expectKeyContainer(
        await sae.master.post(encPath(direction.slaveSae), { number: 4 }),
        4,
        128,
      );
      expect(
        await decKeys(
          sae.slave,
          direction.masterSae,
          keys.map((key) => key.key_ID),
        ),
      ).toEqual(keys);
    });
  });
});
