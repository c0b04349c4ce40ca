import { FakeKme } from '../test/fake-kme';
import { makeTestPki, type TestPki } from '../test/test-pki';
import { EtsiClient } from './etsi-client';

const KEY_ID = 'bc490419-7d60-487f-adc1-4ddcc177c139';
const OTHER_KEY_ID = '550e8400-e29b-41d4-a716-446655440000';
const CONTAINER = {
  keys: [{ key_ID: KEY_ID, key: 'wHHVxRwDJs3/bXd38GHP3oe4svTuRpZS0yCC7x4Ly+s=' }],
};

let pki: TestPki;
let kme: FakeKme;
let client: EtsiClient;

beforeAll(async () => {
  pki = makeTestPki();
  kme = await FakeKme.start(pki);
  client = new EtsiClient({
    baseUrl: kme.url,
    tls: { cert: pki.crt('sae-1'), key: pki.key('sae-1'), ca: pki.caFile },
  });
});

afterAll(async () => {
  await client.close();
  await kme.close();
  pki.remove();
});

beforeEach(() => kme.respond(() => ({ body: CONTAINER })));

describe('status', () => {
  it('GETs /api/v1/keys/{slave_SAE_ID}/status and returns the Status body', async () => {
    const status = { source_KME_ID: 'kme-1', target_KME_ID: 'kme-2', key_size: 256 };
    kme.respond(() => ({ body: status }));

    await expect(client.status('sae-2')).resolves.toEqual(status);

    expect(kme.last).toMatchObject({
      method: 'GET',
      target: '/api/v1/keys/sae-2/status',
      body: '',
      peerCn: 'sae-1',
    });
    expect(kme.last.headers['content-type']).toBeUndefined();
  });

  it('URL-encodes the SAE ID in the path, dot segments included', async () => {
    kme.respond(() => ({ body: {} }));

    await client.status('sae 2/β?x#');
    expect(kme.last.target).toBe('/api/v1/keys/sae%202%2F%CE%B2%3Fx%23/status');

    await client.status('..');
    expect(kme.last.target).toBe('/api/v1/keys/%2E%2E/status');
  });
});

describe('encKeys', () => {
  it('uses the GET form with number and size as query parameters', async () => {
    await expect(client.encKeys('sae-2', { number: 3, size: 1024 })).resolves.toEqual(CONTAINER);

    expect(kme.last.method).toBe('GET');
    expect(kme.last.target).toBe('/api/v1/keys/sae-2/enc_keys?number=3&size=1024');
    expect(kme.last.body).toBe('');
  });

  it('sends an empty request as a GET without query or body', async () => {
    await client.encKeys('sae-2');

    expect(kme.last.method).toBe('GET');
    expect(kme.last.target).toBe('/api/v1/keys/sae-2/enc_keys');
  });

  it('switches to POST when the request has anything besides number and size', async () => {
    const request = { number: 1, size: 256, additional_slave_SAE_IDs: ['sae-3'] };

    await client.encKeys('sae-2', request);

    expect(kme.last.method).toBe('POST');
    expect(kme.last.target).toBe('/api/v1/keys/sae-2/enc_keys');
    expect(kme.last.headers['content-type']).toBe('application/json');
    expect(JSON.parse(kme.last.body)).toEqual(request);
  });

  it('POSTs even a simple request when asked to', async () => {
    await client.encKeys('sae-2', { number: 2 }, { method: 'POST' });

    expect(kme.last.method).toBe('POST');
    expect(kme.last.headers['content-type']).toBe('application/json');
    expect(kme.last.body).toBe('{"number":2}');
  });

  it('refuses a GET that could not carry the request, sending nothing', async () => {
    const before = kme.requests.length;

    await expect(
      client.encKeys('sae-2', { extension_optional: [{ abc_max_age: 1 }] }, { method: 'GET' }),
    ).rejects.toThrow(TypeError);
    expect(kme.requests).toHaveLength(before);
  });
});

describe('decKeys', () => {
  it('uses GET ?key_ID= for exactly one key ID', async () => {
    await expect(client.decKeys('sae-1', [KEY_ID])).resolves.toEqual(CONTAINER);

    expect(kme.last.method).toBe('GET');
    expect(kme.last.target).toBe(`/api/v1/keys/sae-1/dec_keys?key_ID=${KEY_ID}`);
  });

  it('POSTs a Key IDs body for two or more IDs, in the order given', async () => {
    await client.decKeys('sae-1', [OTHER_KEY_ID, KEY_ID]);

    expect(kme.last.method).toBe('POST');
    expect(kme.last.target).toBe('/api/v1/keys/sae-1/dec_keys');
    expect(kme.last.headers['content-type']).toBe('application/json');
    expect(kme.last.body).toBe(`{"key_IDs":[{"key_ID":"${OTHER_KEY_ID}"},{"key_ID":"${KEY_ID}"}]}`);
  });

  it('POSTs one ID when asked to', async () => {
    await client.decKeys('sae-1', [KEY_ID], { method: 'POST' });

    expect(kme.last.method).toBe('POST');
    expect(JSON.parse(kme.last.body)).toEqual({ key_IDs: [{ key_ID: KEY_ID }] });
  });

  it('refuses a GET for two IDs, sending nothing', async () => {
    const before = kme.requests.length;

    await expect(
      client.decKeys('sae-1', [KEY_ID, OTHER_KEY_ID], { method: 'GET' }),
    ).rejects.toThrow(TypeError);
    expect(kme.requests).toHaveLength(before);
  });
});

describe('base URL', () => {
  it('keeps a path prefix of the base URL in front of every route', async () => {
    const prefixed = new EtsiClient({
      baseUrl: `${kme.url}/gateway/kme-1/`,
      tls: { cert: pki.crt('sae-1'), key: pki.key('sae-1'), ca: pki.caFile },
    });
    try {
      await prefixed.status('sae-2');
      expect(kme.last.target).toBe('/gateway/kme-1/api/v1/keys/sae-2/status');
    } finally {
      await prefixed.close();
    }
  });

  it('refuses a base URL that is not https', () => {
    expect(
      () =>
        new EtsiClient({
          baseUrl: 'http://127.0.0.1:8000',
          tls: { cert: pki.crt('sae-1'), key: pki.key('sae-1'), ca: pki.caFile },
        }),
    ).toThrow(/https/);
  });
});
