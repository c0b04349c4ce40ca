import type { HttpAnswer, HttpsClient } from './support/kme-harness';
import { KmeTestPair } from './support/kme-harness';
import {
  DIRECTIONS,
  FOUR_SAE_PAIR,
  UNKNOWN_KEY_ID,
  clientsOf,
  decKeys,
  decPath,
  encKeys,
  encPath,
  expectEtsiError,
  expectKeyContainer,
  postKeyIds,
  statusPath,
  type DirectionClients,
  type KeyContainer,
} from './support/etsi';

/**
 * Authentication (digest §6): the caller's SAE ID comes from its verified client certificate
 * only. Everything else gets 401 with an Error body, and consumes nothing.
 */
describe('ETSI authentication', () => {
  let pair: KmeTestPair;

  beforeAll(async () => {
    pair = await KmeTestPair.start({
      ...FOUR_SAE_PAIR,
      env: { KEY_RATE_BPS: '0', MAX_KEY_COUNT: '20000' },
    });
    await pair.waitForKeys(100);
  });

  afterAll(() => pair.stop());

  describe.each(['master', 'slave'] as const)('API docs of the %s KME', (role) => {
    it('Swagger UI (/api/docs) opens without a client certificate', async () => {
      const answer = await pair.client(role, undefined).get<string>('/api/docs');
      expect(answer.status).toBe(200);
      expect(String(answer.headers['content-type'])).toMatch(/^text\/html/);
      expect(answer.body).toContain('swagger-ui');
    });

    it('/api/docs-json opens without a client certificate and describes the three methods', async () => {
      const answer = await pair
        .client(role, undefined)
        .get<{ openapi: string; paths: Record<string, Record<string, unknown>> }>('/api/docs-json');
      expect(answer.status).toBe(200);
      expect(answer.body.openapi).toMatch(/^3\./);
      expect(Object.keys(answer.body.paths['/api/v1/keys/{slave_SAE_ID}/status'] ?? {})).toEqual([
        'get',
      ]);
      expect(
        Object.keys(answer.body.paths['/api/v1/keys/{slave_SAE_ID}/enc_keys'] ?? {}).sort(),
      ).toEqual(['get', 'post']);
      expect(
        Object.keys(answer.body.paths['/api/v1/keys/{master_SAE_ID}/dec_keys'] ?? {}).sort(),
      ).toEqual(['get', 'post']);
    });

    it('the docs also open with a foreign certificate', async () => {
      expect((await pair.foreignClient(role).get('/api/docs-json')).status).toBe(200);
    });
  });

  /** Every ETSI route of a KME, as a caller would use it against that KME's own SAE pairings. */
  function everyRoute(client: HttpsClient, peerSae: string, keyId: string): Promise<HttpAnswer>[] {
    return [
      client.get(statusPath(peerSae)),
      client.get(encPath(peerSae)),
      client.get(encPath(peerSae, '?number=1&size=128')),
      client.post(encPath(peerSae)),
      client.post(encPath(peerSae), { number: 1 }),
      client.get(decPath(peerSae, `?key_ID=${keyId}`)),
      client.post(decPath(peerSae), { key_IDs: [{ key_ID: keyId }] }),
      // Authentication comes before validation: a bad request is still 401.
      client.post(encPath(peerSae), { number: 'x', foo: 1 }),
      client.get(decPath(peerSae, '?key_ID=xyz')),
      client.get(statusPath('sae-9')),
    ];
  }

  describe.each(DIRECTIONS)('$name', (direction) => {
    let sae: DirectionClients;

    beforeAll(() => {
      sae = clientsOf(pair, direction);
    });

    /** A key waiting at the slave SAE's KME, which the refused callers below must not touch. */
    async function waitingKey(): Promise<string> {
      const [key] = await encKeys(sae.master, direction.slaveSae);
      return key.key_ID;
    }

    async function expectRefusedEverywhere(client: HttpsClient, peerSae: string): Promise<void> {
      const keyId = await waitingKey();
      const answers = await Promise.all(everyRoute(client, peerSae, keyId));
      for (const answer of answers) expectEtsiError(answer, 401);
      expect(await decKeys(sae.slave, direction.masterSae, [keyId])).toHaveLength(1);
    }

    const atDecKme = (name: string | undefined) => pair.client(direction.decKme, name);

    it('no client certificate: 401 on every route, nothing consumed', async () => {
      await expectRefusedEverywhere(atDecKme(undefined), direction.masterSae);
      const answer = await atDecKme(undefined).get(statusPath(direction.masterSae));
      expectEtsiError(answer, 401, /certificate/);
    });

    it('a certificate from a foreign CA (same CN as a real SAE): 401 on every route, nothing consumed', async () => {
      await expectRefusedEverywhere(pair.foreignClient(direction.decKme), direction.masterSae);
      await expectRefusedEverywhere(pair.foreignClient(direction.encKme), direction.slaveSae);
    });

    it('the peer KME certificate at the ETSI API: 401 on every route, nothing consumed', async () => {
      const peerOfDecKme = direction.decKme === 'master' ? 'kme-2' : 'kme-1';
      await expectRefusedEverywhere(atDecKme(peerOfDecKme), direction.masterSae);
    });

    it("the KME's own certificate at its ETSI API: 401, nothing consumed", async () => {
      const own = direction.decKme === 'master' ? 'kme-1' : 'kme-2';
      await expectRefusedEverywhere(atDecKme(own), direction.masterSae);
    });

    it('another KME (kme-3) at the ETSI API: 401 on every route, nothing consumed', async () => {
      await expectRefusedEverywhere(atDecKme('kme-3'), direction.masterSae);
      await expectRefusedEverywhere(pair.client(direction.encKme, 'kme-3'), direction.slaveSae);
    });

    it('an SAE attached to the other KME calling this KME: 401 on every route, nothing consumed', async () => {
      // The master SAE calling the slave SAE's KME, for keys it is the master SAE of.
      await expectRefusedEverywhere(atDecKme(direction.masterSae), direction.slaveSae);
      // The slave SAE calling the master SAE's KME.
      await expectRefusedEverywhere(
        pair.client(direction.encKme, direction.slaveSae),
        direction.masterSae,
      );
    });

    it('dec_keys by an SAE that is not a slave SAE of the keys: 401, GET and POST, nothing consumed', async () => {
      const bystander = atDecKme(direction.decKme === 'master' ? 'sae-3' : 'sae-4');
      const keys = await encKeys(sae.master, direction.slaveSae, { number: 2 });
      const ids = keys.map((key) => key.key_ID);
      expectEtsiError(await bystander.get(decPath(direction.masterSae, `?key_ID=${ids[0]}`)), 401);
      expectEtsiError(await postKeyIds(bystander, direction.masterSae, ids), 401);
      // Together with an unknown ID: the key that is not the caller's still makes it a 401.
      expectEtsiError(
        await postKeyIds(bystander, direction.masterSae, [UNKNOWN_KEY_ID, ids[1]]),
        401,
      );
      expect(await decKeys(sae.slave, direction.masterSae, ids)).toEqual(keys);
    });

    it('dec_keys naming the wrong master SAE: 401, GET and POST, nothing consumed', async () => {
      const wrongMaster = direction.encKme === 'master' ? 'sae-3' : 'sae-4';
      const [key] = await encKeys(sae.master, direction.slaveSae);
      expectEtsiError(await sae.slave.get(decPath(wrongMaster, `?key_ID=${key.key_ID}`)), 401);
      expectEtsiError(await postKeyIds(sae.slave, wrongMaster, [key.key_ID]), 401);
      // An SAE of the slave SAE's own KME is not the master SAE either.
      const neighbour = direction.decKme === 'master' ? 'sae-3' : 'sae-4';
      expectEtsiError(await postKeyIds(sae.slave, neighbour, [key.key_ID]), 401);
      expect(await decKeys(sae.slave, direction.masterSae, [key.key_ID])).toEqual([key]);
    });

    it('the master SAE of a key is the certificate holder, whatever the request says', async () => {
      // sae-3 or sae-4, on the master SAE's KME, asks for keys for the slave SAE.
      const other = direction.encKme === 'master' ? 'sae-3' : 'sae-4';
      const [key] = await encKeys(pair.client(direction.encKme, other), direction.slaveSae);
      expectEtsiError(await postKeyIds(sae.slave, direction.masterSae, [key.key_ID]), 401);
      const answer = await sae.slave.get<KeyContainer>(decPath(other, `?key_ID=${key.key_ID}`));
      expect(expectKeyContainer(answer, 1, 128)).toEqual([key]);
    });
  });

  describe('SAE certificates never reach the KME-to-KME API', () => {
    it.each([
      ['an SAE of the master KME (sae-1)', 'sae-1'],
      ['another SAE of the master KME (sae-3)', 'sae-3'],
      ['an SAE of the slave KME (sae-2)', 'sae-2'],
      ['another KME (kme-3)', 'kme-3'],
      ['no certificate', undefined],
    ])('%s at the master KME internal API: 401', async (_, name) => {
      const client = pair.client('master', name);
      const sync = await client.post('/api/internal/v1/link/sync', {
        slaveStoreId: UNKNOWN_KEY_ID,
        consuming: true,
        receivedEnd: 0,
      });
      expectEtsiError(sync, 401);
      const allocate = await client.post('/api/internal/v1/allocations', {
        slaveStoreId: UNKNOWN_KEY_ID,
        masterSaeId: 'sae-2',
        slaveSaeIds: ['sae-1'],
        number: 1,
        size: 128,
      });
      expectEtsiError(allocate, 401);
    });
  });
});
