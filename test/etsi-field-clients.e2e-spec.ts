import { KmeTestPair, pem, type HttpsClient, type Role } from './support/kme-harness';
import {
  DIRECTIONS,
  UNKNOWN_KEY_ID,
  clientsOf,
  decKeys,
  decPath,
  encKeys,
  encPath,
  expectBadRequest,
  expectEtsiError,
  expectKeyContainer,
  statusPath,
  type DirectionClients,
  type KeyContainer,
  type Status,
} from './support/etsi';
import { rawRequest } from './support/raw-http';

/**
 * What ETSI 014 clients in the field send (shared/reference/FIELD-CLIENTS.md), served as they
 * are: JSON bodies whatever their Content-Type, unknown members ignored (refused only with
 * STRICT_REQUESTS=true), HEAD and undefined methods refused without touching a key, and the
 * corners Node's HTTP server answers by itself answered with ETSI Error bodies too.
 */
const KEY_BITS = 128;
const json = (value: unknown): string => JSON.stringify(value);

/** A raw Error body: only a message, and it says what was wrong. */
function expectOnlyMessage(body: string, about: string): void {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  expect(Object.keys(parsed)).toEqual(['message']);
  expect(parsed.message).toEqual(expect.stringContaining(about));
}

describe('ETSI 014 clients in the field, at a tolerant pair (the default)', () => {
  let pair: KmeTestPair;

  beforeAll(async () => {
    pair = await KmeTestPair.start({ env: { KEY_RATE_BPS: '0', MAX_KEY_COUNT: '5000' } });
    await pair.waitForKeys(100);
  });

  afterAll(() => pair.stop());

  describe.each(DIRECTIONS)('$name', (direction) => {
    let sae: DirectionClients;

    beforeAll(() => {
      sae = clientsOf(pair, direction);
    });

    const decBody = (ids: readonly string[], extra: Record<string, unknown> = {}) =>
      json({ key_IDs: ids.map((key_ID) => ({ key_ID, ...extra })) });

    it.each([
      ['no Content-Type', null],
      [
        'application/x-www-form-urlencoded (what libcurl sends by default)',
        'application/x-www-form-urlencoded',
      ],
      ['text/plain', 'text/plain'],
      ['application/json; charset=utf-8', 'application/json; charset=utf-8'],
    ])('POST dec_keys with a JSON body and %s: 200 with the right keys', async (_, type) => {
      const keys = await encKeys(sae.master, direction.slaveSae, { number: 2 });
      const answer = await sae.slave.send<KeyContainer>(
        'POST',
        decPath(direction.masterSae),
        decBody(keys.map((key) => key.key_ID)),
        type,
      );
      expect(expectKeyContainer(answer, 2, KEY_BITS)).toEqual(keys);
    });

    it('POST enc_keys with a JSON body and no Content-Type: 200, the keys as asked, at the peer too', async () => {
      const answer = await sae.master.send<KeyContainer>(
        'POST',
        encPath(direction.slaveSae),
        json({ number: 3, size: 256 }),
        null,
      );
      const keys = expectKeyContainer(answer, 3, 256);
      expect(
        await decKeys(
          sae.slave,
          direction.masterSae,
          keys.map((key) => key.key_ID),
        ),
      ).toEqual(keys);
    });

    it('key_ID objects carrying master_SAE_ID (a cloud-KME client build): 200 with the right keys', async () => {
      const keys = await encKeys(sae.master, direction.slaveSae, { number: 2 });
      const answer = await sae.slave.send<KeyContainer>(
        'POST',
        decPath(direction.masterSae),
        decBody(
          keys.map((key) => key.key_ID),
          { master_SAE_ID: direction.masterSae },
        ),
        null,
      );
      expect(expectKeyContainer(answer, 2, KEY_BITS)).toEqual(keys);
    });

    it('a body that is not JSON is still a 400 saying so, whatever its type, and consumes nothing', async () => {
      const [key] = await encKeys(sae.master, direction.slaveSae);
      for (const type of [null, 'application/x-www-form-urlencoded', 'text/plain']) {
        const answer = await sae.slave.send(
          'POST',
          decPath(direction.masterSae),
          `key_IDs=${key.key_ID}`,
          type,
        );
        expectEtsiError(answer, 400, /^request body is not valid JSON/);
      }
      expect(await decKeys(sae.slave, direction.masterSae, [key.key_ID])).toEqual([key]);
    });

    it('key IDs are lower-case on output and matched case-insensitively on input', async () => {
      const [key] = await encKeys(sae.master, direction.slaveSae);
      expect(key.key_ID).toBe(key.key_ID.toLowerCase());
      const answer = await sae.slave.get<KeyContainer>(
        decPath(direction.masterSae, `?key_ID=${key.key_ID.toUpperCase()}`),
      );
      expect(expectKeyContainer(answer, 1, KEY_BITS)).toEqual([key]);
    });

    it('__proto__ and constructor members never reach a prototype: one key, not two', async () => {
      for (const raw of [
        '{"__proto__":{"number":2}}',
        '{"constructor":{"prototype":{"number":2}}}',
      ]) {
        const answer = await sae.master.send<KeyContainer>(
          'POST',
          encPath(direction.slaveSae),
          raw,
        );
        expectKeyContainer(answer, 1, KEY_BITS);
      }
    });

    it.each([
      ['additional_slave_SAE_IDs=sae-3', 'additional_slave_SAE_IDs', /POST enc_keys/],
      ['extension_mandatory=x', 'extension_mandatory', /POST enc_keys/],
      ['extension_optional=x', 'extension_optional', /POST enc_keys/],
    ])(
      'GET enc_keys?%s, which would change the answer if honoured: 400 saying where it belongs',
      async (query, field, where) => {
        const body = expectBadRequest(
          await sae.master.get(encPath(direction.slaveSae, `?${query}`)),
          field,
        );
        expect(body.message).toMatch(where);
      },
    );

    it('GET dec_keys?key_IDs=a,b: 400 saying that several IDs need POST, nothing consumed', async () => {
      const keys = await encKeys(sae.master, direction.slaveSae, { number: 2 });
      const ids = keys.map((key) => key.key_ID);
      const body = expectBadRequest(
        await sae.slave.get(decPath(direction.masterSae, `?key_IDs=${ids.join(',')}`)),
        'key_IDs',
      );
      expect(body.message).toMatch(/POST dec_keys/);
      expect(await decKeys(sae.slave, direction.masterSae, ids)).toEqual(keys);
    });
  });

  describe('what Node would answer by itself is an ETSI Error body too', () => {
    const roles: Role[] = ['master', 'slave'];

    it.each(roles)(
      '%s KME: an Expect other than 100-continue is a 417 with an Error body',
      async (role) => {
        const kme = role === 'master' ? pair.master : pair.slave;
        const answer = await rawRequest(
          kme.port,
          pem('ca.crt'),
          `GET ${statusPath('sae-2')} HTTP/1.1\r\nHost: localhost\r\nExpect: 102-processing\r\nConnection: close\r\n\r\n`,
        );
        expect(answer.status).toBe(417);
        expect(answer.headers['content-type']).toMatch(/^application\/json/);
        expectOnlyMessage(answer.body, 'Expect');
      },
    );

    it.each(roles)(
      '%s KME: an HTTP/1.1 request without Host is a 400 with an Error body',
      async (role) => {
        const kme = role === 'master' ? pair.master : pair.slave;
        const answer = await rawRequest(
          kme.port,
          pem('ca.crt'),
          `GET ${statusPath('sae-2')} HTTP/1.1\r\nConnection: close\r\n\r\n`,
        );
        expect(answer.status).toBe(400);
        expect(answer.headers['content-type']).toMatch(/^application\/json/);
        expectOnlyMessage(answer.body, 'Host');
      },
    );

    it.each(roles)('%s KME: a malformed request line is a 400 with an Error body', async (role) => {
      const kme = role === 'master' ? pair.master : pair.slave;
      const answer = await rawRequest(kme.port, pem('ca.crt'), 'GARBAGE\r\n\r\n');
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expectOnlyMessage(answer.body, 'malformed');
    });

    it.each(roles)('%s KME: no X-Powered-By, no ETag', async (role) => {
      const client = pair.client(role, role === 'master' ? 'sae-1' : 'sae-2');
      const answer = await client.get(statusPath(role === 'master' ? 'sae-2' : 'sae-1'));
      expect(answer.status).toBe(200);
      expect(answer.headers['x-powered-by']).toBeUndefined();
      expect(answer.headers.etag).toBeUndefined();
    });
  });
});

describe('HEAD and methods a route does not define consume nothing', () => {
  /** A small pool that fills in a few seconds and then stays full: any key taken shows. */
  const POOL_KEYS = 20;
  let pair: KmeTestPair;

  beforeAll(async () => {
    pair = await KmeTestPair.start({
      env: { KEY_RATE_BPS: '1000', MAX_KEY_COUNT: String(POOL_KEYS) },
    });
    await pair.waitForKeys(POOL_KEYS);
  });

  afterAll(() => pair.stop());

  const storedAt = async (client: HttpsClient, peerSae: string): Promise<number> => {
    const answer = await client.get<Status>(statusPath(peerSae));
    expect(answer.status).toBe(200);
    return answer.body.stored_key_count;
  };

  describe.each(DIRECTIONS)('$name', (direction) => {
    let sae: DirectionClients;

    beforeAll(() => {
      sae = clientsOf(pair, direction);
    });

    it.each(['HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'])(
      '%s on enc_keys and status, a full pool of times: refused, the pool untouched',
      async (method) => {
        await pair.waitForKeys(POOL_KEYS);
        // Each call that allocated would take one key: POOL_KEYS calls would empty the pool
        // faster than the source refills it (one key in 128 ms).
        for (const path of [
          encPath(direction.slaveSae),
          encPath(direction.slaveSae, '?number=1'),
          statusPath(direction.slaveSae),
        ]) {
          const answers = await Promise.all(
            Array.from({ length: POOL_KEYS }, () => sae.master.send(method, path)),
          );
          for (const answer of answers) {
            expect(answer.status).toBeGreaterThanOrEqual(400);
            expect(answer.status).toBeLessThan(500);
            expect(String(answer.headers['content-type'])).toMatch(/^application\/json/);
            if (method !== 'HEAD') expectEtsiError(answer, answer.status);
          }
          expect(await storedAt(sae.master, direction.slaveSae)).toBe(POOL_KEYS);
        }
      },
    );

    it.each(['HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'])(
      '%s on dec_keys with a key ID: refused, and the slave SAE still fetches the key',
      async (method) => {
        const [key] = await encKeys(sae.master, direction.slaveSae);
        for (const query of [`?key_ID=${key.key_ID}`, '']) {
          const answer = await sae.slave.send(method, decPath(direction.masterSae, query));
          expect(answer.status).toBeGreaterThanOrEqual(400);
          expect(answer.status).toBeLessThan(500);
          if (method !== 'HEAD') expectEtsiError(answer, answer.status);
        }
        expect(await decKeys(sae.slave, direction.masterSae, [key.key_ID])).toEqual([key]);
      },
    );

    it("HEAD answers 405 with the Error body's headers, and no body", async () => {
      const answer = await sae.slave.send(
        'HEAD',
        decPath(direction.masterSae, `?key_ID=${UNKNOWN_KEY_ID}`),
      );
      expect(answer.status).toBe(405);
      expect(answer.body).toBe('');
      expect(String(answer.headers['content-type'])).toMatch(/^application\/json/);
    });
  });
});

describe('STRICT_REQUESTS=true: unknown members are refused again', () => {
  let pair: KmeTestPair;

  beforeAll(async () => {
    pair = await KmeTestPair.start({ env: { KEY_RATE_BPS: '0', STRICT_REQUESTS: 'true' } });
    await pair.waitForKeys(20);
  });

  afterAll(() => pair.stop());

  describe.each(DIRECTIONS)('$name', (direction) => {
    let sae: DirectionClients;

    beforeAll(() => {
      sae = clientsOf(pair, direction);
    });

    const postEnc = (body: string) => sae.master.send('POST', encPath(direction.slaveSae), body);
    const postDec = (body: string) =>
      sae.slave.send('POST', decPath(direction.masterSae), body, null);

    it('unknown members of a Key request: 400 naming each', async () => {
      expectBadRequest(await postEnc(json({ number: 1, foo: 1 })), 'foo');
      expectBadRequest(await postEnc(json({ slave_SAE_ID: direction.slaveSae })), 'slave_SAE_ID');
      for (const name of [
        'toLocaleString',
        'valueOf',
        'hasOwnProperty',
        'constructor',
        '__lookupGetter__',
        '__proto__',
      ]) {
        expectBadRequest(await postEnc(`{"number":1,"${name}":{"number":2}}`), name);
      }
    });

    it('unknown members of Key IDs, master_SAE_ID in a key_ID object included: 400 naming each, nothing consumed', async () => {
      const [key] = await encKeys(sae.master, direction.slaveSae);
      expectBadRequest(await postDec(json({ key_IDs: [{ key_ID: key.key_ID }], foo: 1 })), 'foo');
      expectBadRequest(
        await postDec(
          json({ key_IDs: [{ key_ID: key.key_ID, master_SAE_ID: direction.masterSae }] }),
        ),
        'key_IDs[0][master_SAE_ID]',
      );
      expectBadRequest(
        await postDec(
          json({ key_IDs: [{ key_ID: key.key_ID }], master_SAE_ID: direction.masterSae }),
        ),
        'master_SAE_ID',
      );
      expect(await decKeys(sae.slave, direction.masterSae, [key.key_ID])).toEqual([key]);
    });

    it('a member given twice: 400 naming it', async () => {
      expectBadRequest(await postEnc('{"number":1,"number":2}'), 'number', 'number is given twice');
    });

    it('any Content-Type still carries JSON', async () => {
      const answer = await sae.master.send<KeyContainer>(
        'POST',
        encPath(direction.slaveSae),
        json({ number: 2 }),
        'application/x-www-form-urlencoded',
      );
      expectKeyContainer(answer, 2, KEY_BITS);
    });
  });
});
