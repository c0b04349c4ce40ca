import { closedPort, FakeKme, silentPeer } from '../test/fake-kme';
import { makeTestPki, type TestPki } from '../test/test-pki';
import { makeForeignClientCert } from '../../../scripts/lib/pki';
import {
  EtsiBadRequestError,
  EtsiHttpError,
  EtsiNetworkError,
  EtsiProtocolError,
  EtsiTimeoutError,
  EtsiTlsConfigError,
  EtsiUnauthorizedError,
  EtsiUnavailableError,
} from './errors';
import { KmeTransport, type KmeClientOptions, type RawResponse } from './kme-transport';

let pki: TestPki;
let kme: FakeKme;
const open: KmeTransport[] = [];

beforeAll(async () => {
  pki = makeTestPki();
  kme = await FakeKme.start(pki);
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((transport) => transport.close()));
});

afterAll(async () => {
  await kme.close();
  pki.remove();
});

function transport(overrides: Partial<KmeClientOptions> = {}): KmeTransport {
  const created = new KmeTransport({
    baseUrl: kme.url,
    tls: { cert: pki.crt('sae-1'), key: pki.key('sae-1'), ca: pki.caFile },
    ...overrides,
  });
  open.push(created);
  return created;
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail');
}

describe('client identity', () => {
  beforeEach(() => kme.respond(() => ({ body: {} })));

  it('presents the PEM certificate: the server verifies it and sees its CN', async () => {
    await transport().json('GET', '/whoami');
    expect(kme.last.peerCn).toBe('sae-1');
  });

  it('presents the PKCS#12 certificate', async () => {
    const p12 = transport({
      tls: { p12: pki.p12('sae-2'), passphrase: pki.p12Password, ca: pki.caFile },
    });
    await p12.json('GET', '/whoami');
    expect(kme.last.peerCn).toBe('sae-2');
  });

  it('trusts the CA inside the PKCS#12 file when no CA is given', async () => {
    await transport({ tls: { p12: pki.p12('sae-2'), passphrase: pki.p12Password } }).json(
      'GET',
      '/whoami',
    );
    expect(kme.last.peerCn).toBe('sae-2');
  });

  it('refuses a wrong PKCS#12 passphrase at construction', () => {
    expect(() => transport({ tls: { p12: pki.p12('sae-2'), passphrase: 'wrong' } })).toThrow(
      EtsiTlsConfigError,
    );
  });

  it('names a certificate file it cannot read', () => {
    const missing = `${pki.dir}/nobody.crt`;
    expect(() => transport({ tls: { cert: missing, key: pki.key('sae-1') } })).toThrow(
      new EtsiTlsConfigError(`cannot read the client certificate ${missing} (ENOENT)`),
    );
  });

  it('fails with EtsiNetworkError when the KME certificate is not from the trusted CA', async () => {
    const foreign = makeForeignClientCert(pki.dir, 'sae-1');
    const untrusting = transport({
      tls: { cert: pki.crt('sae-1'), key: pki.key('sae-1'), ca: foreign.caFile },
    });
    const error = await failureOf(untrusting.json('GET', '/x'));
    expect(error).toBeInstanceOf(EtsiNetworkError);
    expect((error as Error).message).toBe(
      `request to ${kme.url}/x failed: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)`,
    );
    expect((error as EtsiNetworkError).cause).toMatchObject({ code: 'SELF_SIGNED_CERT_IN_CHAIN' });
  });

  it('fails with EtsiNetworkError when the KME rejects the client certificate', async () => {
    const foreign = makeForeignClientCert(pki.dir, 'sae-9');
    const before = kme.requests.length;
    const rejected = transport({
      tls: { cert: foreign.certFile, key: foreign.keyFile, ca: pki.caFile },
    });
    const error = await failureOf(rejected.json('GET', '/x'));
    expect(error).toBeInstanceOf(EtsiNetworkError);
    expect((error as Error).message).toContain('refuses the client certificate');
    expect(kme.requests).toHaveLength(before);
  });
});

describe('error answers', () => {
  it('maps 400 to EtsiBadRequestError with the ETSI message and details', async () => {
    const body = {
      message: 'size shall be a multiple of 8',
      details: [{ size: 'shall be a multiple of 8' }],
    };
    kme.respond(() => ({ status: 400, body }));

    const error = await failureOf(transport().json('GET', '/keys'));

    expect(error).toBeInstanceOf(EtsiBadRequestError);
    expect(error).toMatchObject({
      status: 400,
      message: 'size shall be a multiple of 8',
      details: [{ size: 'shall be a multiple of 8' }],
      body: JSON.stringify(body),
      errorBody: body,
      url: `${kme.url}/keys`,
    });
    expect((error as EtsiHttpError).summary).toBe(
      '400 size shall be a multiple of 8 (size: shall be a multiple of 8)',
    );
  });

  it('maps a 401 without body to EtsiUnauthorizedError with the standard words', async () => {
    kme.respond(() => ({ status: 401 }));

    const error = await failureOf(transport().json('GET', '/keys'));

    expect(error).toBeInstanceOf(EtsiUnauthorizedError);
    expect(error).toMatchObject({ status: 401, message: 'Unauthorized', errorBody: undefined });
  });

  it('maps 503 to EtsiUnavailableError with Retry-After in seconds', async () => {
    kme.respond(() => ({
      status: 503,
      headers: { 'retry-after': '7' },
      body: { message: 'not enough key material' },
    }));

    const error = await failureOf(transport().json('GET', '/keys'));

    expect(error).toBeInstanceOf(EtsiUnavailableError);
    expect(error).toMatchObject({ retryAfterSeconds: 7, message: 'not enough key material' });
    expect((error as EtsiHttpError).summary).toBe('503 not enough key material; retry after 7 s');
  });

  it('keeps the status and text of a non-JSON error body', async () => {
    kme.respond(() => ({ status: 500, body: '<html>proxy error</html>' }));

    const error = await failureOf(transport().json('GET', '/keys'));

    expect(error).toBeInstanceOf(EtsiHttpError);
    expect(error).not.toBeInstanceOf(EtsiBadRequestError);
    expect(error).toMatchObject({
      status: 500,
      message: '<html>proxy error</html>',
      body: '<html>proxy error</html>',
      errorBody: undefined,
    });
  });

  it('reports a 200 that is not JSON as EtsiProtocolError', async () => {
    kme.respond(() => ({ body: 'hello' }));
    await expect(transport().json('GET', '/keys')).rejects.toBeInstanceOf(EtsiProtocolError);
  });

  it('accepts an empty 204 where the route may answer without a body', async () => {
    kme.respond(() => ({ status: 204 }));
    await expect(transport().jsonOrEmpty('DELETE', '/faults')).resolves.toBeUndefined();
    await expect(transport().json('DELETE', '/faults')).rejects.toBeInstanceOf(EtsiProtocolError);
  });
});

describe('failures without an answer', () => {
  it('rejects with EtsiTimeoutError when the KME does not answer in time', async () => {
    kme.respond(() => 'hang');

    const error = await failureOf(transport({ timeoutMs: 150 }).json('GET', '/slow'));

    expect(error).toBeInstanceOf(EtsiTimeoutError);
    expect(error).toBeInstanceOf(EtsiNetworkError);
    expect((error as Error).message).toBe(`no answer from ${kme.url}/slow within 150 ms`);
  });

  it('rejects with EtsiNetworkError, with the cause, when the connection is refused', async () => {
    const url = `https://127.0.0.1:${await closedPort()}`;

    const error = await failureOf(transport({ baseUrl: url }).json('GET', '/x'));

    expect(error).toBeInstanceOf(EtsiNetworkError);
    expect(error).not.toBeInstanceOf(EtsiTimeoutError);
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect((error as EtsiNetworkError).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('cancels a request in flight when the client signal aborts, with its reason', async () => {
    kme.respond(() => 'hang');
    const controller = new AbortController();
    const before = kme.requests.length;
    const pending = failureOf(transport({ signal: controller.signal }).json('GET', '/slow'));
    await kme.receivedRequests(before + 1);

    const reason = new Error('stop');
    controller.abort(reason);

    await expect(pending).resolves.toBe(reason);
  });
});

describe('connections', () => {
  beforeEach(() => kme.respond(() => ({ body: { ok: true } })));

  it('reuses one keep-alive connection for consecutive requests', async () => {
    const client = transport({ connections: 1 });
    const before = kme.connections;

    for (let i = 0; i < 3; i += 1) await client.json('GET', '/again');

    expect(kme.connections - before).toBe(1);
    const connections = new Set(kme.requests.slice(-3).map((request) => request.connection));
    expect(connections.size).toBe(1);
  });

  it('opens no more connections than configured, however many requests are in flight', async () => {
    const client = transport({ connections: 2 });
    const before = kme.connections;

    await Promise.all(Array.from({ length: 6 }, () => client.json('GET', '/parallel')));

    expect(kme.connections - before).toBe(2);
  });
});

describe('onResponse', () => {
  it('sees the answer text exactly as received, errors included', async () => {
    const seen: RawResponse[] = [];
    const client = transport({ onResponse: (response) => seen.push(response) });
    kme.respond(() => ({ body: '{ "a" : 1.0 }' }));
    await client.json('GET', '/a');
    kme.respond(() => ({ status: 400, body: '{"message":"no"}' }));
    await failureOf(client.json('POST', '/b', { body: {} }));

    expect(seen.map(({ method, status, text }) => ({ method, status, text }))).toEqual([
      { method: 'GET', status: 200, text: '{ "a" : 1.0 }' },
      { method: 'POST', status: 400, text: '{"message":"no"}' },
    ]);
  });
});

describe('send', () => {
  it('sends method, path, headers and body exactly as given, whatever the answer', async () => {
    kme.respond(() => ({ status: 415, headers: { 'x-seen': 'yes' }, body: 'not JSON at all' }));
    const answer = await transport().send({
      method: 'PUT',
      path: '/api/v1/keys/sae%2D2/enc_keys?number=1&number=2',
      headers: { 'content-type': 'text/plain' },
      body: '{"number": ',
    });

    expect(kme.last).toMatchObject({
      method: 'PUT',
      target: '/api/v1/keys/sae%2D2/enc_keys?number=1&number=2',
      body: '{"number": ',
      peerCn: 'sae-1',
    });
    expect(kme.last.headers['content-type']).toBe('text/plain');
    expect(kme.last.headers.accept).toBeUndefined();
    expect(answer).toMatchObject({
      method: 'PUT',
      url: `${kme.url}/api/v1/keys/sae%2D2/enc_keys?number=1&number=2`,
      status: 415,
      text: 'not JSON at all',
    });
    expect(answer.headers['x-seen']).toBe('yes');
  });

  it('puts the base URL path prefix before the path and tells onResponse', async () => {
    const seen: RawResponse[] = [];
    kme.respond(() => ({ status: 503, body: { message: 'later' } }));
    const answer = await transport({
      baseUrl: `${kme.url}/kme-a/`,
      onResponse: (response) => seen.push(response),
    }).send({ method: 'GET', path: '/status' });

    expect(kme.last.target).toBe('/kme-a/status');
    expect(answer.status).toBe(503);
    expect(seen).toEqual([answer]);
  });

  it('rejects only when no answer came', async () => {
    const nobody = transport({ baseUrl: `https://127.0.0.1:${await closedPort()}` });
    const error = await failureOf(nobody.send({ method: 'GET', path: '/' }));
    expect(error).toBeInstanceOf(EtsiNetworkError);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });
});

describe('anonymous credentials', () => {
  it('present no certificate: a KME that requires one refuses the handshake', async () => {
    const before = kme.requests.length;
    const anonymous = transport({ tls: { anonymous: true, ca: pki.caFile } });
    const error = await failureOf(anonymous.json('GET', '/dashboard/data'));
    expect(error).toBeInstanceOf(EtsiNetworkError);
    expect(kme.requests).toHaveLength(before);
  });
});

describe('destroy', () => {
  it('fails what is in flight at once, a request still connecting included', async () => {
    const silent = await silentPeer();
    try {
      const client = new KmeTransport({
        baseUrl: silent.url,
        tls: { cert: pki.crt('sae-1'), key: pki.key('sae-1'), ca: pki.caFile },
        timeoutMs: 30_000,
      });
      const failed = failureOf(client.send({ method: 'GET', path: '/status' }));
      await silent.connected;
      const started = Date.now();
      await client.destroy();
      const error = await failed;
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(error).toBeInstanceOf(EtsiNetworkError);
    } finally {
      await silent.close();
    }
  });
});
