import {
  InProcessKme,
  TestPki,
  bodyOf,
  decPath,
  encPath,
  expectBadRequest,
  expectEtsiError,
  wireKeys,
  type KeyContainer,
  type KmeClient,
} from './in-process-kme';

/**
 * What ETSI 014 clients in the field send (FIELD-CLIENTS.md), served as they are: JSON bodies
 * whatever their Content-Type, extra members of key_ID objects ignored, key IDs matched
 * whatever their case; and what would change the answer if honoured refused, consuming nothing.
 */
const IDS = ['bc490419-7d60-487f-adc1-4ddcc177c139', '550e8400-e29b-41d4-a716-446655440000'];

describe('ETSI API in-process: clients in the field', () => {
  let pki: TestPki;
  let kme: InProcessKme;
  let sae: KmeClient;

  beforeAll(async () => {
    pki = TestPki.create();
    kme = await InProcessKme.start(pki);
    sae = kme.as('sae-1');
  });

  afterAll(async () => {
    await kme?.close();
    pki?.remove();
  });

  beforeEach(() => {
    kme.delivery.reset();
    kme.seen.length = 0;
  });

  const keyIdsBody = (ids: readonly string[], extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ key_IDs: ids.map((key_ID) => ({ key_ID, ...extra })) });

  /** The one retrieval the port saw: exactly the caller, the master SAE and these IDs. */
  const expectRetrieved = (keyIds: readonly string[]): void =>
    expect(kme.delivery.consumingCalls).toEqual([
      { method: 'retrieveKeys', request: { callerSaeId: 'sae-1', masterSaeId: 'sae-2', keyIds } },
    ]);

  it.each([
    ['no Content-Type (libcurl without CURLOPT_HTTPHEADER)', null],
    [
      'application/x-www-form-urlencoded (what libcurl sends by default)',
      'application/x-www-form-urlencoded',
    ],
    ['text/plain', 'text/plain'],
    ['application/json; charset=utf-8', 'application/json; charset=utf-8'],
    ['application/json;charset=UTF-8', 'application/json;charset=UTF-8'],
  ])('POST dec_keys with a JSON body and %s: 200, the port got the IDs', async (_, type) => {
    const answer = await sae.postText(decPath('sae-2'), keyIdsBody(IDS), type).expect(200);
    // What went over the wire is what the case says.
    expect(kme.seen.map((seen) => seen.contentType)).toEqual([type ?? undefined]);
    expectRetrieved(IDS);
    expect(bodyOf<KeyContainer>(answer)).toEqual({ keys: wireKeys(kme.delivery.handedOut) });
  });

  it('POST enc_keys with a JSON body and no Content-Type: 200 with the number and size asked', async () => {
    const answer = await sae
      .postText(encPath('sae-2'), JSON.stringify({ number: 3, size: 256 }), null)
      .expect(200);
    expect(kme.seen.map((seen) => seen.contentType)).toEqual([undefined]);
    expect(kme.delivery.consumingCalls).toEqual([
      {
        method: 'allocateKeys',
        request: { masterSaeId: 'sae-1', slaveSaeIds: ['sae-2'], number: 3, sizeBits: 256 },
      },
    ]);
    const keys = bodyOf<KeyContainer>(answer).keys;
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(Buffer.from(key.key, 'base64')).toHaveLength(256 / 8);
  });

  it('POST enc_keys with no body and no Content-Type: one key of the default size', async () => {
    await sae.post(encPath('sae-2')).expect(200);
    expect(kme.delivery.consumingCalls).toEqual([
      {
        method: 'allocateKeys',
        request: { masterSaeId: 'sae-1', slaveSaeIds: ['sae-2'], number: 1, sizeBits: 128 },
      },
    ]);
  });

  it('master_SAE_ID inside key_ID objects (a cloud-KME client build) is ignored', async () => {
    await sae
      .postText(decPath('sae-2'), keyIdsBody(IDS, { master_SAE_ID: 'sae-2' }), null)
      .expect(200);
    expectRetrieved(IDS);
  });

  it('master_SAE_ID naming another SAE inside key_ID objects changes nothing either: the path says', async () => {
    await sae
      .postText(decPath('sae-2'), keyIdsBody(IDS, { master_SAE_ID: 'sae-9' }), null)
      .expect(200);
    expectRetrieved(IDS);
  });

  it.each([null, 'application/x-www-form-urlencoded', 'text/plain', 'application/json'])(
    'a body that is not JSON (Content-Type %s): 400 saying so, nothing consumed',
    async (type) => {
      const answer = await sae.postText(decPath('sae-2'), `key_IDs=${IDS[0]}`, type);
      const body = expectEtsiError(answer, 400, /^request body is not valid JSON/);
      expect(body.details).toEqual([{ 'request body': 'not JSON' }]);
      expect(kme.delivery.calls).toEqual([]);
    },
  );

  it('key IDs are matched whatever their case: the port receives them lower-case, GET and POST', async () => {
    const upper = IDS.map((id) => id.toUpperCase());
    await sae.get(decPath('sae-2', `?key_ID=${upper[0]}`)).expect(200);
    await sae
      .postText(decPath('sae-2'), keyIdsBody([upper[1], IDS[0].replace('bc', 'BC')]))
      .expect(200);
    expect(kme.delivery.consumingCalls).toEqual([
      {
        method: 'retrieveKeys',
        request: { callerSaeId: 'sae-1', masterSaeId: 'sae-2', keyIds: [IDS[0]] },
      },
      {
        method: 'retrieveKeys',
        request: { callerSaeId: 'sae-1', masterSaeId: 'sae-2', keyIds: [IDS[1], IDS[0]] },
      },
    ]);
  });

  it('the simple GET forms (OpenSSL KEM provider, WireGuard PSK daemons) reach the port as asked', async () => {
    const enc = await sae.get(encPath('sae-2', '?number=1&size=256')).expect(200);
    const [key] = bodyOf<KeyContainer>(enc).keys;
    await sae.get(decPath('sae-2', `?key_ID=${key.key_ID}`)).expect(200);
    expect(kme.delivery.consumingCalls).toEqual([
      {
        method: 'allocateKeys',
        request: { masterSaeId: 'sae-1', slaveSaeIds: ['sae-2'], number: 1, sizeBits: 256 },
      },
      {
        method: 'retrieveKeys',
        request: { callerSaeId: 'sae-1', masterSaeId: 'sae-2', keyIds: [key.key_ID] },
      },
    ]);
  });

  it.each([
    ['additional_slave_SAE_IDs=sae-3', 'additional_slave_SAE_IDs'],
    ['extension_mandatory=x', 'extension_mandatory'],
    ['extension_optional=x', 'extension_optional'],
    ['number=1&extension_optional=%7B%7D', 'extension_optional'],
  ])(
    'GET enc_keys?%s, which would change the answer if honoured: 400 saying it belongs in POST enc_keys',
    async (query, field) => {
      const body = expectBadRequest(await sae.get(encPath('sae-2', `?${query}`)), field);
      expect(body.message).toMatch(/POST enc_keys/);
      expect(kme.delivery.calls).toEqual([]);
    },
  );

  it('GET dec_keys?key_IDs=a,b: 400 saying several IDs belong in POST dec_keys, nothing consumed', async () => {
    const body = expectBadRequest(
      await sae.get(decPath('sae-2', `?key_IDs=${IDS.join(',')}`)),
      'key_IDs',
    );
    expect(body.message).toMatch(/POST dec_keys/);
    expect(kme.delivery.calls).toEqual([]);
  });

  it('GET dec_keys with key_ID and key_IDs: 400, nothing consumed', async () => {
    expectBadRequest(
      await sae.get(decPath('sae-2', `?key_ID=${IDS[0]}&key_IDs=${IDS.join(',')}`)),
      'key_IDs',
      /POST dec_keys/,
    );
    expect(kme.delivery.calls).toEqual([]);
  });
});
