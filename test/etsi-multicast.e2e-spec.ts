import type { HttpsClient, Role } from './support/kme-harness';
import { KmeTestPair } from './support/kme-harness';
import {
  FOUR_SAE_PAIR,
  KEYS_NOT_FOUND,
  KME_OF,
  decKeys,
  decPath,
  encPath,
  expectBadRequest,
  expectEtsiError,
  expectKeyContainer,
  postKeyIds,
  statusPath,
  type EtsiKey,
  type KeyContainer,
  type Status,
} from './support/etsi';

/**
 * Key multicast (Table 10 additional_slave_SAE_IDs) and several SAEs per KME: sae-1 and sae-3 on
 * the master KME, sae-2 and sae-4 on the slave KME.
 */
describe('ETSI key multicast and several SAEs per KME', () => {
  let pair: KmeTestPair;

  beforeAll(async () => {
    pair = await KmeTestPair.start({
      ...FOUR_SAE_PAIR,
      env: { KEY_RATE_BPS: '0', MAX_KEY_COUNT: '20000', MAX_SAE_ID_COUNT: '2' },
    });
    await pair.waitForKeys(100);
  });

  afterAll(() => pair.stop());

  const clients = new Map<string, HttpsClient>();
  /** The client of an SAE at the KME it is attached to. */
  const sae = (name: string): HttpsClient => {
    let client = clients.get(name);
    if (client === undefined) {
      client = pair.client(KME_OF[name], name);
      clients.set(name, client);
    }
    return client;
  };

  async function enc(
    master: string,
    slave: string,
    request: Record<string, unknown>,
  ): Promise<EtsiKey[]> {
    const answer = await sae(master).post<KeyContainer>(encPath(slave), request);
    return expectKeyContainer(
      answer,
      (request.number as number | undefined) ?? 1,
      (request.size as number | undefined) ?? 128,
    );
  }

  const refetchRefused = async (slave: string, master: string, keyIds: readonly string[]) => {
    expectBadRequest(await postKeyIds(sae(slave), master, keyIds), undefined, KEYS_NOT_FOUND);
    expectBadRequest(
      await sae(slave).get(decPath(master, `?key_ID=${keyIds[0]}`)),
      undefined,
      KEYS_NOT_FOUND,
    );
  };

  it('status reports max_SAE_ID_count as configured', async () => {
    const answer = await sae('sae-1').get<Status>(statusPath('sae-2'));
    expect(answer.body.max_SAE_ID_count).toBe(2);
  });

  describe.each([
    { master: 'sae-1', slave: 'sae-2', additional: ['sae-3', 'sae-4'] },
    { master: 'sae-2', slave: 'sae-1', additional: ['sae-3', 'sae-4'] },
    { master: 'sae-3', slave: 'sae-4', additional: ['sae-1', 'sae-2'] },
    { master: 'sae-4', slave: 'sae-3', additional: ['sae-2', 'sae-1'] },
  ])(
    'master SAE $master, slave SAE $slave, additional $additional',
    ({ master, slave, additional }) => {
      it('every slave SAE gets the identical keys once; a key stays until all have fetched it', async () => {
        const keys = await enc(master, slave, {
          number: 3,
          size: 256,
          additional_slave_SAE_IDs: additional,
        });
        const ids = keys.map((key) => key.key_ID);
        const slaves = [slave, ...additional];
        // One after the other: each fetch leaves the keys in place for the slave SAEs still to come.
        for (const each of slaves) {
          expect(await decKeys(sae(each), master, ids)).toEqual(keys);
          await refetchRefused(each, master, ids);
        }
        for (const each of slaves) await refetchRefused(each, master, ids);
      });

      it('the slave SAEs may fetch in any order, some keys at a time', async () => {
        const keys = await enc(master, slave, { number: 2, additional_slave_SAE_IDs: additional });
        const [first, second] = keys as [EtsiKey, EtsiKey];
        const [a, b] = additional as [string, string];
        expect(await decKeys(sae(b), master, [second.key_ID])).toEqual([second]);
        expect(await decKeys(sae(slave), master, [second.key_ID, first.key_ID])).toEqual([
          second,
          first,
        ]);
        expect(await decKeys(sae(a), master, [first.key_ID, second.key_ID])).toEqual(keys);
        expect(await decKeys(sae(b), master, [first.key_ID])).toEqual([first]);
        for (const each of [slave, a, b]) await refetchRefused(each, master, [first.key_ID]);
      });

      it('a slave SAE can fetch with GET, one key at a time, in any order', async () => {
        const keys = await enc(master, slave, {
          number: 2,
          additional_slave_SAE_IDs: additional.slice(0, 1),
        });
        for (const each of [additional[0], slave]) {
          for (const key of [...keys].reverse()) {
            const answer = await sae(each).get<KeyContainer>(
              decPath(master, `?key_ID=${key.key_ID}`),
            );
            expect(answer.status).toBe(200);
            expect(answer.body.keys).toEqual([key]);
          }
          await refetchRefused(each, master, [keys[0].key_ID]);
        }
      });

      it("an SAE of the slave SAE's KME that was not named is refused (401), taking nothing", async () => {
        const unnamed = additional.find((name) => KME_OF[name] === KME_OF[slave])!;
        const named = additional.find((name) => name !== unnamed)!;
        const [key] = await enc(master, slave, { additional_slave_SAE_IDs: [named] });
        expectEtsiError(await postKeyIds(sae(unnamed), master, [key.key_ID]), 401);
        expectEtsiError(await sae(unnamed).get(decPath(master, `?key_ID=${key.key_ID}`)), 401);
        expect(await decKeys(sae(named), master, [key.key_ID])).toEqual([key]);
        expect(await decKeys(sae(slave), master, [key.key_ID])).toEqual([key]);
      });
    },
  );

  describe.each([
    ['sae-1', 'sae-3'],
    ['sae-3', 'sae-1'],
    ['sae-2', 'sae-4'],
    ['sae-4', 'sae-2'],
  ])('master SAE %s and slave SAE %s on the same KME', (master, slave) => {
    const kme: Role = KME_OF[master];

    it('status names this KME as the target KME', async () => {
      const answer = await sae(master).get<Status>(statusPath(slave));
      expect(answer.body.target_KME_ID).toBe(answer.body.source_KME_ID);
      expect(answer.body.source_KME_ID).toBe(kme === 'master' ? 'kme-1' : 'kme-2');
    });

    it('enc_keys (GET and POST) and dec_keys (GET and POST) at the same KME', async () => {
      const viaGet = expectKeyContainer(
        await sae(master).get(encPath(slave, '?number=2&size=512')),
        2,
        512,
      );
      const viaPost = await enc(master, slave, { number: 2, size: 512 });
      expect(
        await decKeys(
          sae(slave),
          master,
          viaPost.map((key) => key.key_ID),
        ),
      ).toEqual(viaPost);
      for (const key of viaGet) {
        const answer = await sae(slave).get<KeyContainer>(decPath(master, `?key_ID=${key.key_ID}`));
        expect(answer.body.keys).toEqual([key]);
      }
      await refetchRefused(
        slave,
        master,
        [...viaGet, ...viaPost].map((key) => key.key_ID),
      );
    });

    const otherKme: Role = kme === 'master' ? 'slave' : 'master';
    const othersSaes = kme === 'master' ? ['sae-2', 'sae-4'] : ['sae-1', 'sae-3'];

    it('the SAEs of the other KME get none of the keys, which stay for the slave SAE', async () => {
      const [key] = await enc(master, slave, {});
      const answers = await Promise.all(
        othersSaes.map((name) => postKeyIds(pair.client(otherKme, name), master, [key.key_ID])),
      );
      for (const answer of answers) {
        expect(answer.status).not.toBe(200);
        expectEtsiError(answer, answer.status);
      }
      expect(await decKeys(sae(slave), master, [key.key_ID])).toEqual([key]);
    });

    it('the SAEs of the other KME are refused with 401 (§5.4, Table 7)', async () => {
      const [key] = await enc(master, slave, {});
      const answers = await Promise.all(
        othersSaes.map((name) => postKeyIds(pair.client(otherKme, name), master, [key.key_ID])),
      );
      for (const answer of answers) expectEtsiError(answer, 401);
    });
  });

  describe.each(['sae-1', 'sae-2'])(
    'bad additional_slave_SAE_IDs from %s: 400 naming the field',
    (master) => {
      const slave = master === 'sae-1' ? 'sae-2' : 'sae-1';
      const post = (additional: unknown) =>
        sae(master).post(encPath(slave), { number: 1, additional_slave_SAE_IDs: additional });

      it.each([
        ['an unknown SAE', ['sae-9']],
        ['an unknown SAE among known ones', ['sae-3', 'sae-5']],
        ['a KME ID', ['kme-1']],
        ['the same SAE twice', ['sae-3', 'sae-3']],
        ['the master SAE', [master]],
        ['the slave SAE of the path', [slave]],
        ['more than max_SAE_ID_count', ['sae-3', 'sae-4', 'sae-9']],
        ['not an array', 'sae-3'],
        ['a number in the list', [3]],
      ])('%s', async (_, additional) => {
        expectBadRequest(await post(additional), 'additional_slave_SAE_IDs');
      });

      it('up to max_SAE_ID_count, and an empty list, are fine', async () => {
        expectKeyContainer(await post(['sae-3', 'sae-4']), 1, 128);
        expectKeyContainer(await post([]), 1, 128);
      });
    },
  );

  describe('with MAX_SAE_ID_COUNT=0 (no multicast)', () => {
    let single: KmeTestPair;

    beforeAll(async () => {
      single = await KmeTestPair.start({
        ...FOUR_SAE_PAIR,
        env: { KEY_RATE_BPS: '0', MAX_KEY_COUNT: '1000', MAX_SAE_ID_COUNT: '0' },
      });
      await single.waitForKeys(10);
    });

    afterAll(() => single.stop());

    it.each([
      ['master', 'sae-1', 'sae-2', 'sae-3'],
      ['master', 'sae-1', 'sae-2', 'sae-4'],
      ['slave', 'sae-2', 'sae-1', 'sae-3'],
      ['slave', 'sae-4', 'sae-2', 'sae-1'],
    ] as const)('%s KME: %s to %s with additional %s is 400', async (kme, master, slave, extra) => {
      const client = single.client(kme, master);
      const status = await client.get<Status>(statusPath(slave));
      expect(status.body.max_SAE_ID_count).toBe(0);
      expectBadRequest(
        await client.post(encPath(slave), { additional_slave_SAE_IDs: [extra] }),
        'additional_slave_SAE_IDs',
      );
      // Plain point-to-point keys still work.
      const [key] = expectKeyContainer(await client.post(encPath(slave), {}), 1, 128);
      const fetched = await single
        .client(KME_OF[slave], slave)
        .get<KeyContainer>(decPath(master, `?key_ID=${key.key_ID}`));
      expect(fetched.body.keys).toEqual([key]);
    });
  });
});
