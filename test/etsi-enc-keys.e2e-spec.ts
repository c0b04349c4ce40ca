import type { HttpAnswer } from './support/kme-harness';
import { KmeTestPair } from './support/kme-harness';
import {
  DIRECTIONS,
  clientsOf,
  decKeys,
  decPath,
  encKeys,
  encPath,
  expectKeyContainer,
  type DirectionClients,
  type EtsiKey,
  type KeyContainer,
} from './support/etsi';

/** ETSI GS QKD 014 §5.2 / §6.2 / §6.3: Get key, GET and POST, from either KME. */
const LIMITS = {
  MIN_KEY_SIZE: '64',
  MAX_KEY_SIZE: '2048',
  DEFAULT_KEY_SIZE: '256',
  MAX_KEYS_PER_REQUEST: '40',
};

describe('ETSI enc_keys (Get key)', () => {
  let pair: KmeTestPair;

  beforeAll(async () => {
    pair = await KmeTestPair.start({
      env: { ...LIMITS, KEY_RATE_BPS: '0', MAX_KEY_COUNT: '20000' },
    });
    await pair.waitForKeys(1000);
  });

  afterAll(() => pair.stop());

  describe.each(DIRECTIONS)('$name', (direction) => {
    let sae: DirectionClients;

    beforeAll(() => {
      sae = clientsOf(pair, direction);
    });

    /** The slave SAE gets the identical keys at the peer KME, by POST dec_keys. */
    async function expectSameAtPeer(keys: readonly EtsiKey[]): Promise<void> {
      const fetched = await decKeys(
        sae.slave,
        direction.masterSae,
        keys.map((key) => key.key_ID),
      );
      expect(fetched).toEqual(keys);
    }

    const get = (query = ''): Promise<HttpAnswer<KeyContainer>> =>
      sae.master.get<KeyContainer>(encPath(direction.slaveSae, query));

    it('GET without parameters gives one key of the default size (key_size)', async () => {
      const keys = expectKeyContainer(await get(), 1, 256);
      await expectSameAtPeer(keys);
    });

    it('GET ?number=3&size=1024 gives three 1024-bit keys, identical at the peer KME', async () => {
      const keys = expectKeyContainer(await get('?number=3&size=1024'), 3, 1024);
      await expectSameAtPeer(keys);
    });

    it('GET with number alone uses the default size, with size alone one key', async () => {
      expectKeyContainer(await get('?number=2'), 2, 256);
      expectKeyContainer(await get('?size=512'), 1, 512);
    });

    it('POST without a body gives one key of the default size', async () => {
      const answer = await sae.master.post<KeyContainer>(encPath(direction.slaveSae));
      const keys = expectKeyContainer(answer, 1, 256);
      await expectSameAtPeer(keys);
    });

    it('POST {} gives one key of the default size', async () => {
      const answer = await sae.master.post<KeyContainer>(encPath(direction.slaveSae), {});
      expectKeyContainer(answer, 1, 256);
    });

    it('POST {"number":3,"size":1024} gives three 1024-bit keys, identical at the peer KME', async () => {
      const answer = await sae.master.post<KeyContainer>(encPath(direction.slaveSae), {
        number: 3,
        size: 1024,
      });
      const keys = expectKeyContainer(answer, 3, 1024);
      await expectSameAtPeer(keys);
    });

    it.each([
      ['min_key_size', 64],
      ['max_key_size', 2048],
      ['a size that needs "==" padding (9 bytes)', 72],
      ['a size that needs "=" padding (10 bytes)', 80],
    ])('accepts %s (%i bits), GET and POST', async (_, size) => {
      const viaGet = expectKeyContainer(await get(`?size=${size}`), 1, size);
      const viaPost = expectKeyContainer(
        await sae.master.post(encPath(direction.slaveSae), { size }),
        1,
        size,
      );
      await expectSameAtPeer([...viaGet, ...viaPost]);
    });

    it('gives max_key_per_request keys in one request, GET and POST', async () => {
      const viaGet = expectKeyContainer(await get('?number=40&size=64'), 40, 64);
      const viaPost = expectKeyContainer(
        await sae.master.post(encPath(direction.slaveSae), { number: 40, size: 64 }),
        40,
        64,
      );
      await expectSameAtPeer(viaGet);
      await expectSameAtPeer(viaPost);
    });

    it('never hands out the same key ID or key material twice', async () => {
      const batches = await Promise.all(
        Array.from({ length: 10 }, () =>
          encKeys(sae.master, direction.slaveSae, { number: 20, size: 128 }),
        ),
      );
      const keys = batches.flat();
      expect(new Set(keys.map((key) => key.key_ID)).size).toBe(200);
      expect(new Set(keys.map((key) => key.key)).size).toBe(200);
      await expectSameAtPeer(keys.slice(0, 40));
    });

    it('percent-decodes the slave SAE ID in the path', async () => {
      const encoded = direction.slaveSae.replace('-', '%2D');
      const keys = expectKeyContainer(
        await sae.master.get(`/api/v1/keys/${encoded}/enc_keys?size=128`),
        1,
        128,
      );
      const fetched = await sae.slave.get<KeyContainer>(
        decPath(direction.masterSae.replace('-', '%2D'), `?key_ID=${keys[0].key_ID}`),
      );
      expect(fetched.status).toBe(200);
      expect(fetched.body.keys).toEqual(keys);
    });
  });
});
