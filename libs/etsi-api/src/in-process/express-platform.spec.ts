import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { BODY_LIMIT_BYTES, DOCS_PATH } from '@app/kme-server';
import {
  InProcessKme,
  TestPki,
  bodyOf,
  decPath,
  encPath,
  expectEtsiError,
  parseRawAnswer,
  rawExchange,
  statusPath,
  tlsConnect,
  wireKeys,
  type ErrorBody,
  type KeyContainer,
  type KmeClient,
  type Method,
} from './in-process-kme';

/**
 * What the Express platform of a KME (libs/kme-server express-platform.ts) adds around the
 * ETSI module, as production assembles it: every answer an ETSI Error body, exact routing, no
 * method that could take a key unseen, and a client's broken request never the KME's error.
 */
const KEY_ID = 'bc490419-7d60-487f-adc1-4ddcc177c139';

let pki: TestPki;

beforeAll(() => {
  pki = TestPki.create();
});

afterAll(() => pki?.remove());

describe('ETSI API in-process: the Express platform', () => {
  let kme: InProcessKme;
  let sae: KmeClient;

  beforeAll(async () => {
    kme = await InProcessKme.start(pki);
    sae = kme.as('sae-1');
  });

  afterAll(() => kme?.close());

  beforeEach(() => {
    kme.delivery.reset();
    kme.logs.clear();
  });

  const expectPortUntouched = (): void => expect(kme.delivery.calls).toEqual([]);

  describe('request bodies', () => {
    it.each(['{"number":', '{number: 1}', "{'number': 1}", '{"number":1,}', 'nul', '\u0000\u0001'])(
      'an unparsable body %j: 400 ETSI Error, enc_keys and dec_keys, nothing consumed',
      async (raw) => {
        expectEtsiError(
          await sae.postText(encPath('sae-2'), raw),
          400,
          /^request body is not valid JSON/,
        );
        expectEtsiError(
          await sae.postText(decPath('sae-2'), raw),
          400,
          /^request body is not valid JSON/,
        );
        expectPortUntouched();
      },
    );

    it.each(['[]', '[{"number":1}]', '"number"', '3', 'true', 'null'])(
      'a JSON body that is not an object (%s): 400, nothing consumed',
      async (raw) => {
        expectEtsiError(
          await sae.postText(encPath('sae-2'), raw),
          400,
          'request body must be a JSON object',
        );
        expectEtsiError(
          await sae.postText(decPath('sae-2'), raw),
          400,
          'request body must be a JSON object',
        );
        expectPortUntouched();
      },
    );

    /** A Key request of exactly `bytes` bytes: one key, padded with an ignored member. */
    const keyRequestOf = (bytes: number): string => {
      const head = '{"number":1,"pad":"';
      return `${head}${'x'.repeat(bytes - head.length - 2)}"}`;
    };

    it('a body of exactly the limit (1 MiB) is read', async () => {
      const raw = keyRequestOf(BODY_LIMIT_BYTES);
      expect(Buffer.byteLength(raw)).toBe(BODY_LIMIT_BYTES);
      await sae.postText(encPath('sae-2'), raw).expect(200);
      expect(kme.delivery.consumingCalls).toHaveLength(1);
    });

    it('a body one byte over the limit: 400 "request body too large", nothing consumed', async () => {
      const answer = await sae.postText(encPath('sae-2'), keyRequestOf(BODY_LIMIT_BYTES + 1));
      const body = expectEtsiError(answer, 400, 'request body too large');
      expect(body.details).toEqual([{ 'request body': 'larger than 1 MiB' }]);
      expectPortUntouched();
    });

    it('an oversized body sent chunked, without Content-Length: 400 "request body too large"', async () => {
      const chunk = `${'x'.repeat(64 * 1024 - 1)}\n`;
      const test = sae.send('post', decPath('sae-2')).set('Content-Type', 'application/json');
      for (let sent = 0; sent <= BODY_LIMIT_BYTES; sent += chunk.length) test.write(chunk);
      const answer = await test;
      expectEtsiError(answer, 400, 'request body too large');
      expectPortUntouched();
    });

    it.each([
      ['__proto__', '{"__proto__":{"number":2}}'],
      ['__proto__ beside number', '{"number":1,"__proto__":{"number":2,"size":256}}'],
      ['constructor.prototype', '{"constructor":{"prototype":{"number":2}}}'],
      ['__proto__ in an extension', '{"extension_optional":[{"__proto__":{"number":2}}]}'],
    ])('a %s member never changes number: one key of the default size', async (_, raw) => {
      const answer = await sae.postText(encPath('sae-2'), raw).expect(200);
      expect(bodyOf<KeyContainer>(answer).keys).toHaveLength(1);
      expect(kme.delivery.consumingCalls).toEqual([
        {
          method: 'allocateKeys',
          request: { masterSaeId: 'sae-1', slaveSaeIds: ['sae-2'], number: 1, sizeBits: 128 },
        },
      ]);
      // Nor any object's: the prototype every object shares is untouched.
      expect(Object.prototype).not.toHaveProperty('number');
    });

    it('a client that sends half a body and drops the connection: nothing consumed, nothing logged as an error, the KME serves on', async () => {
      const errors = jest.spyOn(console, 'error');
      try {
        const socket = await tlsConnect(kme, pki.identity('sae-1'));
        const [arrived] = (await Promise.all([
          once(kme.server, 'request'),
          new Promise<void>((resolve) =>
            socket.write(
              `POST ${decPath('sae-2')} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
                `Content-Length: 1000\r\n\r\n{"key_IDs":[{"key_ID":"${KEY_ID}"`,
              () => resolve(),
            ),
          ),
        ])) as [[IncomingMessage], void];
        socket.destroy();
        // Node reports the abort as an 'error' of the request ("aborted"): not awaited with once().
        await new Promise((resolve) => arrived[0].once('close', resolve));
        // The body reader's refusal reached the one filter, which says so at debug level.
        await kme.logs.waitFor((entry) => entry.message.includes('closed its connection'));
        expectPortUntouched();

        await sae.get(statusPath('sae-2')).expect(200);
        await sae.post(encPath('sae-2'), { number: 1 }).expect(200);
        expect(kme.logs.at('error', 'fatal', 'warn')).toEqual([]);
        expect(errors).not.toHaveBeenCalled();
      } finally {
        errors.mockRestore();
      }
    });

    it('a client that drops the connection in the middle of its headers: the KME serves on', async () => {
      const socket = await tlsConnect(kme, pki.identity('sae-1'));
      await new Promise<void>((resolve) =>
        socket.write(`POST ${encPath('sae-2')} HTTP/1.1\r\nHost: local`, () => resolve()),
      );
      socket.destroy();
      await once(socket, 'close');
      await sae.get(statusPath('sae-2')).expect(200);
      expect(kme.logs.at('error', 'fatal', 'warn')).toEqual([]);
    });
  });

  describe('routing', () => {
    it.each([
      '/',
      '/nope',
      '/api',
      '/api/v1',
      '/api/v1/keys',
      '/api/v1/keys/sae-2',
      '/api/v1/keys/sae-2/unknown_method',
      '/api/v2/keys/sae-2/status',
      '/api/v1/keys/sae-2/status/',
      '/api/v1/keys/sae-2/STATUS',
      '/API/v1/keys/sae-2/status',
      '/api/v1/keys/sae-2/enc_keys/',
      '/api/v1/keys/sae-2/ENC_KEYS',
      '/api/v1/keys/sae-2/dec_keys/?key_ID=' + KEY_ID,
    ])('GET %s does not route: 404 ETSI Error, with or without a certificate', async (path) => {
      expectEtsiError(await sae.get(path), 404);
      expectEtsiError(await kme.as().get(path), 404);
      expectPortUntouched();
    });

    it('the exact paths do route (the control of the 404s above)', async () => {
      await sae.get(statusPath('sae-2')).expect(200);
      await sae.get(encPath('sae-2')).expect(200);
      await sae.get(decPath('sae-2', `?key_ID=${KEY_ID}`)).expect(200);
    });

    const wrongMethods: [Method, string][] = [
      ['put', encPath('sae-2')],
      ['delete', encPath('sae-2')],
      ['patch', encPath('sae-2')],
      ['put', decPath('sae-2')],
      ['delete', decPath('sae-2', `?key_ID=${KEY_ID}`)],
      ['post', statusPath('sae-2')],
      ['delete', statusPath('sae-2')],
    ];

    it.each(wrongMethods)('%s %s: a 4xx ETSI Error, nothing consumed', async (method, path) => {
      const answer = await sae.send(method, path).send({ number: 1 });
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expectEtsiError(answer, answer.status);
      expectPortUntouched();
    });

    it.each([
      ['a malformed percent-encoding in the path', '/api/v1/keys/%/enc_keys'],
      ['a truncated UTF-8 sequence in the path', '/api/v1/keys/%E0%A4%A/status'],
      ['a NUL in the path', '/api/v1/keys/%00/status'],
      ['a malformed percent-encoding in the query', encPath('sae-2', '?number=%E0%A4%A')],
      ['a very long SAE ID', statusPath('s'.repeat(5000))],
    ])('%s: a 4xx ETSI Error, nothing consumed', async (_, path) => {
      const answer = await sae.get(path);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expectEtsiError(answer, answer.status);
      expectPortUntouched();
    });
  });

  describe('HEAD and OPTIONS on the key routes: 405, and HEAD runs no GET handler', () => {
    const keyRoutes = [
      statusPath('sae-2'),
      encPath('sae-2'),
      encPath('sae-2', '?number=2&size=256'),
      decPath('sae-2', `?key_ID=${KEY_ID}`),
      decPath('sae-2'),
    ];

    it.each(keyRoutes)('HEAD %s: 405, Error headers, no body, nothing consumed', async (path) => {
      const answer = await sae.send('head', path);
      expect(answer.status).toBe(405);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(answer.text ?? '').toBe('');
      expectPortUntouched();
    });

    it.each(keyRoutes)('OPTIONS %s: 405 ETSI Error, nothing consumed', async (path) => {
      const answer = await sae.send('options', path);
      expectEtsiError(answer, 405, 'OPTIONS is not a method of this route');
      expect(answer.headers.allow).toBeUndefined();
      expectPortUntouched();
    });

    it('the same GET is served (the control: HEAD is refused, not the route)', async () => {
      await sae.get(encPath('sae-2', '?number=2&size=256')).expect(200);
      expect(kme.delivery.consumingCalls).toHaveLength(1);
    });
  });

  describe('nothing is sent that the client did not ask for', () => {
    it('no X-Powered-By, no ETag: on a status, a key container and an Error', async () => {
      const answers = [
        await sae.get(statusPath('sae-2')).expect(200),
        await sae.get(encPath('sae-2')).expect(200),
        await sae.get(encPath('sae-2', '?size=129')).expect(400),
        await sae.get('/nope').expect(404),
      ];
      for (const answer of answers) {
        expect(answer.headers['x-powered-by']).toBeUndefined();
        expect(answer.headers.etag).toBeUndefined();
      }
    });

    it.each([
      ['GET enc_keys', encPath('sae-2')],
      ['GET dec_keys', decPath('sae-2', `?key_ID=${KEY_ID}`)],
    ])(
      'If-None-Match: * on %s never turns the keys it took into a 304 without them',
      async (_, path) => {
        // Express's res.send answers 304 with no body for a "fresh" GET, and `*` is fresh
        // whatever the ETag: the handler has taken the keys by then. KmeExpressAdapter.reply
        // writes JSON answers itself, without that check; this keeps it so.
        const answer = await sae.get(path).set('If-None-Match', '*');
        expect(kme.delivery.consumingCalls).toHaveLength(1);
        expect(answer.status).toBe(200);
        expect(bodyOf<KeyContainer>(answer)).toEqual({ keys: wireKeys(kme.delivery.handedOut) });
      },
    );

    it('If-Modified-Since changes nothing either', async () => {
      const answer = await sae
        .get(encPath('sae-2'))
        .set('If-Modified-Since', new Date(Date.now() + 86_400_000).toUTCString());
      expect(answer.status).toBe(200);
      expect(bodyOf<KeyContainer>(answer)).toEqual({ keys: wireKeys(kme.delivery.handedOut) });
    });
  });

  describe("what Node's HTTP server would answer by itself is an ETSI Error too", () => {
    const raw = (text: string) =>
      rawExchange(kme, pki.identity('sae-1'), text).then(parseRawAnswer);
    const onlyMessage = (body: string): ErrorBody => {
      const parsed = JSON.parse(body) as ErrorBody;
      expect(Object.keys(parsed)).toEqual(['message']);
      return parsed;
    };

    it('an HTTP/1.1 request without Host: 400', async () => {
      const answer = await raw(`GET ${statusPath('sae-2')} HTTP/1.1\r\nConnection: close\r\n\r\n`);
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(onlyMessage(answer.body).message).toContain('Host');
      expectPortUntouched();
    });

    it('an Expect other than 100-continue: 417', async () => {
      const answer = await raw(
        `GET ${statusPath('sae-2')} HTTP/1.1\r\nHost: localhost\r\nExpect: 102-processing\r\nConnection: close\r\n\r\n`,
      );
      expect(answer.status).toBe(417);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(onlyMessage(answer.body).message).toContain('Expect');
      expectPortUntouched();
    });

    it('a malformed request line: 400', async () => {
      const answer = await raw('GARBAGE\r\n\r\n');
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(onlyMessage(answer.body).message).toContain('malformed');
      expect(kme.logs.at('error', 'fatal', 'warn')).toEqual([]);
    });
  });
});

describe('ETSI API in-process: Swagger, as production sets it up', () => {
  let kme: InProcessKme;

  beforeAll(async () => {
    kme = await InProcessKme.start(pki, { swagger: true });
  });

  afterAll(() => kme?.close());

  it(`/${DOCS_PATH}-json needs no client certificate and describes the three methods`, async () => {
    const answer = await kme.as().get(`/${DOCS_PATH}-json`).expect(200);
    const paths = bodyOf<{ paths: Record<string, Record<string, unknown>> }>(answer).paths;
    expect(Object.keys(paths['/api/v1/keys/{slave_SAE_ID}/status'] ?? {})).toEqual(['get']);
    expect(Object.keys(paths['/api/v1/keys/{slave_SAE_ID}/enc_keys'] ?? {}).sort()).toEqual([
      'get',
      'post',
    ]);
    expect(Object.keys(paths['/api/v1/keys/{master_SAE_ID}/dec_keys'] ?? {}).sort()).toEqual([
      'get',
      'post',
    ]);
  });

  it('the key routes of the same app still need one', async () => {
    expectEtsiError(await kme.as().get(statusPath('sae-2')), 401);
    expect(kme.delivery.calls).toEqual([]);
  });
});
