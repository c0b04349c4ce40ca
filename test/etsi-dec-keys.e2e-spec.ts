import { KmeTestPair } from './support/kme-harness';
import {
  DIRECTIONS,
  KEYS_NOT_FOUND,
  UNKNOWN_KEY_ID,
  clientsOf,
  decKeys,
  decPath,
  encKeys,
  expectBadRequest,
  expectKeyContainer,
  postKeyIds,
  type DirectionClients,
  type KeyContainer,
} from './support/etsi';

/** ETSI GS QKD 014 §5.3 / §6.4: Get key with key IDs, GET and POST, at either KME. */
describe('ETSI dec_keys (Get key with key IDs)', () => {
  let pair: KmeTestPair;

  beforeAll(async () => {
    pair = await KmeTestPair.start({ env: { KEY_RATE_BPS: '0', MAX_KEY_COUNT: '20000' } });
    await pair.waitForKeys(100);
  });

  afterAll(() => pair.stop());

  describe.each(DIRECTIONS)('$name', (direction) => {
    let sae: DirectionClients;

    beforeAll(() => {
      sae = clientsOf(pair, direction);
    });

    const getKeyId = (keyId: string) =>
      sae.slave.get<KeyContainer>(decPath(direction.masterSae, `?key_ID=${keyId}`));

    it('GET ?key_ID= gives the identical key, once; a second GET or POST is refused', async () => {
      const [key] = await encKeys(sae.master, direction.slaveSae, { size: 512 });
      const first = await getKeyId(key.key_ID);
      expect(expectKeyContainer(first, 1, 512)).toEqual([key]);

      expectBadRequest(await getKeyId(key.key_ID), undefined, KEYS_NOT_FOUND);
      expectBadRequest(
        await postKeyIds(sae.slave, direction.masterSae, [key.key_ID]),
        undefined,
        KEYS_NOT_FOUND,
      );
    });

    it('POST with several key IDs returns them in the order asked, once', async () => {
      const keys = await encKeys(sae.master, direction.slaveSae, { number: 5, size: 128 });
      const order = [3, 0, 4, 1, 2].map((index) => keys[index]);
      const answer = await postKeyIds(
        sae.slave,
        direction.masterSae,
        order.map((key) => key.key_ID),
      );
      expect(expectKeyContainer(answer, 5, 128)).toEqual(order);

      // Every one of them is gone now, alone or together.
      for (const key of keys) {
        expectBadRequest(await getKeyId(key.key_ID), undefined, KEYS_NOT_FOUND);
      }
    });

    it('POST accepts key_ID_extension and key_IDs_extension', async () => {
      const [key] = await encKeys(sae.master, direction.slaveSae);
      const answer = await sae.slave.post<KeyContainer>(decPath(direction.masterSae), {
        key_IDs: [{ key_ID: key.key_ID, key_ID_extension: { abc_note: 1 } }],
        key_IDs_extension: { abc_note: 2 },
      });
      expect(expectKeyContainer(answer, 1, 128)).toEqual([key]);
    });

    it('keys of one enc_keys call can be fetched one by one, in any order', async () => {
      const keys = await encKeys(sae.master, direction.slaveSae, { number: 3 });
      expect(await decKeys(sae.slave, direction.masterSae, [keys[2].key_ID])).toEqual([keys[2]]);
      expect((await getKeyId(keys[0].key_ID)).body.keys).toEqual([keys[0]]);
      expect(await decKeys(sae.slave, direction.masterSae, [keys[1].key_ID])).toEqual([keys[1]]);
    });

    it('accepts a key ID in upper case and answers with the canonical lower-case ID', async () => {
      const [key] = await encKeys(sae.master, direction.slaveSae);
      const answer = await getKeyId(key.key_ID.toUpperCase());
      expect(expectKeyContainer(answer, 1, 128)).toEqual([key]);
    });

    describe('is all-or-nothing', () => {
      it('one valid and one unknown ID: 400, and the valid key is still fetchable', async () => {
        const [key] = await encKeys(sae.master, direction.slaveSae);
        // Concurrently: the slave KME waits KEY_ID_WAIT_MS for an activation that never comes.
        const refused = await Promise.all([
          postKeyIds(sae.slave, direction.masterSae, [key.key_ID, UNKNOWN_KEY_ID]),
          postKeyIds(sae.slave, direction.masterSae, [UNKNOWN_KEY_ID, key.key_ID]),
        ]);
        for (const answer of refused) expectBadRequest(answer, undefined, KEYS_NOT_FOUND);
        expect((await getKeyId(key.key_ID)).body.keys).toEqual([key]);
      });

      it('one valid and one already delivered ID: 400, and the valid key is still fetchable', async () => {
        const [delivered, kept] = await encKeys(sae.master, direction.slaveSae, { number: 2 });
        await decKeys(sae.slave, direction.masterSae, [delivered.key_ID]);
        expectBadRequest(
          await postKeyIds(sae.slave, direction.masterSae, [kept.key_ID, delivered.key_ID]),
          undefined,
          KEYS_NOT_FOUND,
        );
        expect(await decKeys(sae.slave, direction.masterSae, [kept.key_ID])).toEqual([kept]);
      });

      it('the same ID twice in one request: 400, and the key is still fetchable', async () => {
        const [key] = await encKeys(sae.master, direction.slaveSae);
        expectBadRequest(
          await postKeyIds(sae.slave, direction.masterSae, [key.key_ID, key.key_ID]),
          'key_IDs',
        );
        expectBadRequest(
          await postKeyIds(sae.slave, direction.masterSae, [key.key_ID, key.key_ID.toUpperCase()]),
          'key_IDs',
        );
        expect((await getKeyId(key.key_ID)).body.keys).toEqual([key]);
      });

      it('a malformed ID among valid ones: 400 naming it, and the keys are still fetchable', async () => {
        const keys = await encKeys(sae.master, direction.slaveSae, { number: 2 });
        const answer = await sae.slave.post(decPath(direction.masterSae), {
          key_IDs: [
            { key_ID: keys[0].key_ID },
            { key_ID: 'not-a-uuid' },
            { key_ID: keys[1].key_ID },
          ],
        });
        expectBadRequest(answer, 'key_IDs[1][key_ID]');
        expect(
          await decKeys(
            sae.slave,
            direction.masterSae,
            keys.map((key) => key.key_ID),
          ),
        ).toEqual(keys);
      });
    });

    it('concurrent requests for the same key: exactly one wins', async () => {
      const [key] = await encKeys(sae.master, direction.slaveSae);
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          index % 2 === 0
            ? getKeyId(key.key_ID)
            : postKeyIds(sae.slave, direction.masterSae, [key.key_ID]),
        ),
      );
      const won = answers.filter((answer) => answer.status === 200);
      expect(won).toHaveLength(1);
      expect((won[0].body as KeyContainer).keys).toEqual([key]);
      for (const answer of answers.filter((a) => a.status !== 200)) {
        expectBadRequest(answer, undefined, KEYS_NOT_FOUND);
      }
    });
  });
});
