import {
  InsufficientKeyMaterialError,
  KeyAccessDeniedError,
  KeysNotFoundError,
  MaterialReusedError,
  MaterialUnavailableError,
  UnavailableError,
} from '@app/key-pool';
import { BrokerUnavailableError } from '@app/broker';
import { PeerUnreachableError } from '@app/internal-client';
import { KeyServiceUnavailableError } from '../key-delivery.port';
import {
  KEY_LIMITS,
  TestPki,
  InProcessKme,
  bodyOf,
  decPath,
  encPath,
  expectBadRequest,
  expectEtsiError,
  statusPath,
  wireKeys,
  type KeyContainer,
  type KmeClient,
} from './in-process-kme';

/**
 * How every refusal of the ETSI API reaches the client (digest §5): status, ETSI Error body and
 * Retry-After, over the real module and production's HTTP stack, with KeyDelivery faked. A
 * request refused before the port is never passed to it, so nothing is consumed.
 */
const KEY_ID = 'bc490419-7d60-487f-adc1-4ddcc177c139';
const OTHER_KEY_ID = '550e8400-e29b-41d4-a716-446655440000';
const SIZE_NOT_MULTIPLE_OF_8 = 'size shall be a multiple of 8';
const MANDATORY_UNSUPPORTED = 'not all extension_mandatory parameters are supported';

describe('ETSI API in-process: error mapping', () => {
  let pki: TestPki;
  let kme: InProcessKme;
  /** sae-1, attached to this KME; its peer SAE sae-2 is attached to the linked KME. */
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

  beforeEach(() => kme.delivery.reset());

  /** The refused request never reached the port: no key was taken, not even the count read. */
  const expectPortUntouched = (): void => expect(kme.delivery.calls).toEqual([]);

  describe('what succeeds reaches the port as asked (the control for every refusal below)', () => {
    it('GET status reads the available material and answers it in keys of the default size', async () => {
      kme.delivery.available = 37 * (KEY_LIMITS.defaultKeySize / 8) + 3;
      const answer = await sae.get(statusPath('sae-2')).expect(200);
      expect(bodyOf<Record<string, unknown>>(answer)).toMatchObject({
        source_KME_ID: 'kme-1',
        target_KME_ID: 'kme-2',
        master_SAE_ID: 'sae-1',
        slave_SAE_ID: 'sae-2',
        stored_key_count: 37,
        max_key_per_request: KEY_LIMITS.maxKeysPerRequest,
      });
      expect(kme.delivery.calls).toEqual([{ method: 'availableBytes' }]);
    });

    it('GET and POST enc_keys pass number, size and the slave SAEs; the keys come back as the port gave them', async () => {
      const get = await sae.get(encPath('sae-2', '?number=2&size=256')).expect(200);
      const post = await sae
        .post(encPath('sae-2'), { number: 3, size: 64, additional_slave_SAE_IDs: ['sae-3'] })
        .expect(200);
      expect(kme.delivery.calls).toEqual([
        {
          method: 'allocateKeys',
          request: { masterSaeId: 'sae-1', slaveSaeIds: ['sae-2'], number: 2, sizeBits: 256 },
        },
        {
          method: 'allocateKeys',
          request: {
            masterSaeId: 'sae-1',
            slaveSaeIds: ['sae-2', 'sae-3'],
            number: 3,
            sizeBits: 64,
          },
        },
      ]);
      const handed = kme.delivery.handedOut;
      expect(bodyOf<KeyContainer>(get)).toEqual({ keys: wireKeys(handed.slice(0, 2)) });
      expect(bodyOf<KeyContainer>(post)).toEqual({ keys: wireKeys(handed.slice(2)) });
      for (const key of bodyOf<KeyContainer>(get).keys) {
        expect(Buffer.from(key.key, 'base64')).toHaveLength(32);
      }
    });

    it('GET and POST dec_keys pass the caller, the master SAE and the IDs in order', async () => {
      await sae.get(decPath('sae-2', `?key_ID=${KEY_ID}`)).expect(200);
      const post = await sae
        .post(decPath('sae-2'), { key_IDs: [{ key_ID: OTHER_KEY_ID }, { key_ID: KEY_ID }] })
        .expect(200);
      expect(kme.delivery.consumingCalls).toEqual([
        {
          method: 'retrieveKeys',
          request: { callerSaeId: 'sae-1', masterSaeId: 'sae-2', keyIds: [KEY_ID] },
        },
        {
          method: 'retrieveKeys',
          request: { callerSaeId: 'sae-1', masterSaeId: 'sae-2', keyIds: [OTHER_KEY_ID, KEY_ID] },
        },
      ]);
      expect(bodyOf<KeyContainer>(post)).toEqual({
        keys: wireKeys(kme.delivery.handedOut.slice(1)),
      });
    });
  });

  describe('400: the request is at fault, and the port is never called', () => {
    it.each([65, 100, 129, 1020])(
      'size %i, not a multiple of 8: the exact message, GET and POST',
      async (size) => {
        for (const answer of [
          await sae.get(encPath('sae-2', `?size=${size}`)),
          await sae.get(encPath('sae-2', `?number=2&size=${size}`)),
          await sae.post(encPath('sae-2'), { size }),
          await sae.post(encPath('sae-2'), { number: 2, size }),
        ]) {
          const body = expectBadRequest(answer, 'size', SIZE_NOT_MULTIPLE_OF_8);
          expect(body.details).toEqual([{ size: 'shall be a multiple of 8' }]);
        }
        expectPortUntouched();
      },
    );

    it.each([56, 1032, 8, 0, -8, 4096])(
      'size %i outside [min_key_size, max_key_size]: 400 naming size, GET and POST',
      async (size) => {
        expectBadRequest(await sae.get(encPath('sae-2', `?size=${size}`)), 'size');
        expectBadRequest(await sae.post(encPath('sae-2'), { size }), 'size');
        expectPortUntouched();
      },
    );

    it.each(['0', '-1', '11', '1.5', 'abc', '', '1e1', '0x2'])(
      'GET ?number=%s: 400 naming number',
      async (number) => {
        expectBadRequest(await sae.get(encPath('sae-2', `?number=${number}`)), 'number');
        expectPortUntouched();
      },
    );

    it.each([
      ['0', 0],
      ['-1', -1],
      ['more than max_key_per_request', KEY_LIMITS.maxKeysPerRequest + 1],
      ['1.5', 1.5],
      ['the string "3"', '3'],
      ['null', null],
      ['an array', [3]],
    ])('POST "number": %s: 400 naming number', async (_, number) => {
      expectBadRequest(await sae.post(encPath('sae-2'), { number }), 'number');
      expectPortUntouched();
    });

    it('the bounds of number and size are inclusive (the refusals above are not off by one)', async () => {
      await sae
        .get(encPath('sae-2', `?number=${KEY_LIMITS.maxKeysPerRequest}&size=64`))
        .expect(200);
      await sae.post(encPath('sae-2'), { number: 1, size: KEY_LIMITS.maxKeySize }).expect(200);
      expect(kme.delivery.consumingCalls).toHaveLength(2);
    });

    it.each(['sae-9', 'kme-1', 'kme-2', 'SAE-2', 'sae-2%20'])(
      'unknown slave_SAE_ID %s: 400 naming slave_SAE_ID (status, GET and POST enc_keys)',
      async (unknown) => {
        const decoded = decodeURIComponent(unknown);
        for (const answer of [
          await sae.get(statusPath(unknown)),
          await sae.get(encPath(unknown)),
          await sae.post(encPath(unknown), {}),
        ]) {
          expectBadRequest(answer, 'slave_SAE_ID', `unknown slave_SAE_ID: ${decoded}`);
        }
        expectPortUntouched();
      },
    );

    it('a percent-encoded SAE ID is decoded before the lookup', async () => {
      await sae.get(statusPath('sae%2D2')).expect(200);
      await sae.get(encPath('sae%2D2')).expect(200);
      expect(kme.delivery.consumingCalls).toEqual([
        {
          method: 'allocateKeys',
          request: { masterSaeId: 'sae-1', slaveSaeIds: ['sae-2'], number: 1, sizeBits: 128 },
        },
      ]);
    });

    it('unknown master_SAE_ID: 400 naming master_SAE_ID, GET and POST dec_keys', async () => {
      for (const answer of [
        await sae.get(decPath('sae-9', `?key_ID=${KEY_ID}`)),
        await sae.post(decPath('sae-9'), { key_IDs: [{ key_ID: KEY_ID }] }),
      ]) {
        expectBadRequest(answer, 'master_SAE_ID', 'unknown master_SAE_ID: sae-9');
      }
      expectPortUntouched();
    });

    it('the calling SAE named in the path: 400 (an SAE shares no keys with itself)', async () => {
      expectBadRequest(await sae.get(statusPath('sae-1')), 'slave_SAE_ID');
      expectBadRequest(await sae.get(encPath('sae-1')), 'slave_SAE_ID');
      expectBadRequest(await sae.post(encPath('sae-1'), {}), 'slave_SAE_ID');
      expectBadRequest(await sae.get(decPath('sae-1', `?key_ID=${KEY_ID}`)), 'master_SAE_ID');
      expectBadRequest(
        await sae.post(decPath('sae-1'), { key_IDs: [{ key_ID: KEY_ID }] }),
        'master_SAE_ID',
        'master_SAE_ID must differ from the calling SAE (sae-1)',
      );
      expectPortUntouched();
    });

    it.each([
      ['not a UUID', 'xyz'],
      ['empty', ''],
      ['a UUID without dashes', KEY_ID.replace(/-/g, '')],
      ['a UUID with a trailing character', `${KEY_ID}0`],
      ['a UUID in braces', `%7B${KEY_ID}%7D`],
    ])('GET dec_keys with a malformed key_ID (%s): 400 naming key_ID', async (_, keyId) => {
      expectBadRequest(await sae.get(decPath('sae-2', `?key_ID=${keyId}`)), 'key_ID');
      expectPortUntouched();
    });

    it('GET dec_keys without key_ID, or with two: 400 naming key_ID', async () => {
      expectBadRequest(await sae.get(decPath('sae-2')), 'key_ID');
      expectBadRequest(
        await sae.get(decPath('sae-2', `?key_ID=${KEY_ID}&key_ID=${OTHER_KEY_ID}`)),
        'key_ID',
      );
      expectPortUntouched();
    });

    it.each([
      ['key_ID not a UUID', { key_IDs: [{ key_ID: 'xyz' }] }, 'key_IDs[0][key_ID]'],
      ['key_ID a number', { key_IDs: [{ key_ID: 123 }] }, 'key_IDs[0][key_ID]'],
      ['key_ID missing', { key_IDs: [{}] }, 'key_IDs[0][key_ID]'],
      [
        'the second key_ID malformed',
        { key_IDs: [{ key_ID: KEY_ID }, { key_ID: 'x' }] },
        'key_IDs[1][key_ID]',
      ],
      ['key_IDs empty', { key_IDs: [] }, 'key_IDs'],
      ['key_IDs missing', {}, 'key_IDs'],
      ['key_IDs a list of strings', { key_IDs: [KEY_ID] }, 'key_IDs[0]'],
    ])('POST dec_keys with %s: 400 naming the field', async (_, body, field) => {
      expectBadRequest(await sae.post(decPath('sae-2'), body), field);
      expectPortUntouched();
    });

    it('more than max_key_per_request key IDs: 400 naming key_IDs; exactly that many pass', async () => {
      const ids = Array.from(
        { length: KEY_LIMITS.maxKeysPerRequest + 1 },
        (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      );
      const body = expectBadRequest(
        await sae.post(decPath('sae-2'), { key_IDs: ids.map((key_ID) => ({ key_ID })) }),
        'key_IDs',
      );
      expect(body.message).toContain(`(${KEY_LIMITS.maxKeysPerRequest})`);
      expectPortUntouched();
      await sae
        .post(decPath('sae-2'), { key_IDs: ids.slice(1).map((key_ID) => ({ key_ID })) })
        .expect(200);
      expect(kme.delivery.consumingCalls).toHaveLength(1);
    });

    it.each([
      ['the same spelling', KEY_ID],
      ['another case', KEY_ID.toUpperCase()],
    ])('the same key ID twice (%s): 400 naming key_IDs', async (_, again) => {
      expectBadRequest(
        await sae.post(decPath('sae-2'), { key_IDs: [{ key_ID: KEY_ID }, { key_ID: again }] }),
        'key_IDs',
        'key_IDs must not name the same key twice',
      );
      expectPortUntouched();
    });

    it('unsupported extension_mandatory: the exact message, details naming each extension', async () => {
      const body = expectBadRequest(
        await sae.post(encPath('sae-2'), {
          number: 2,
          size: 512,
          extension_mandatory: [{ abc_route_type: 'direct' }, { abc_transfer_method: 'qkd' }],
          extension_optional: [{ abc_max_age: 30000 }],
        }),
        'extension_mandatory_unsupported',
        MANDATORY_UNSUPPORTED,
      );
      expect(body.details).toEqual([
        { extension_mandatory_unsupported: 'abc_route_type is not supported' },
        { extension_mandatory_unsupported: 'abc_transfer_method is not supported' },
      ]);
      // Refused first, even when the rest of the request could not be met either.
      expectBadRequest(
        await sae.post(encPath('sae-2'), {
          number: KEY_LIMITS.maxKeysPerRequest + 1,
          extension_mandatory: [{ xyz_a: 1, xyz_b: { nested: true } }],
        }),
        'extension_mandatory_unsupported',
        MANDATORY_UNSUPPORTED,
      );
      expectPortUntouched();
    });

    it('unknown extension_optional is ignored: the port sees an ordinary request', async () => {
      await sae
        .post(encPath('sae-2'), { number: 2, extension_optional: [{ abc_max_age: 30000 }] })
        .expect(200);
      expect(kme.delivery.consumingCalls).toEqual([
        {
          method: 'allocateKeys',
          request: { masterSaeId: 'sae-1', slaveSaeIds: ['sae-2'], number: 2, sizeBits: 128 },
        },
      ]);
    });

    it.each([
      ['an SAE not of this pair', ['sae-9']],
      ['more than max_SAE_ID_count', ['sae-3', 'sae-9']],
      ['the slave SAE again', ['sae-2']],
      ['the master SAE itself', ['sae-1']],
      ['not an array', 'sae-3'],
    ])('additional_slave_SAE_IDs naming %s: 400 naming the field', async (_, additional) => {
      expectBadRequest(
        await sae.post(encPath('sae-2'), { additional_slave_SAE_IDs: additional }),
        'additional_slave_SAE_IDs',
      );
      expectPortUntouched();
    });

    it('the port says the keys are not found: 400 with the exact message', async () => {
      kme.delivery.failWith(new KeysNotFoundError([KEY_ID]));
      for (const answer of [
        await sae.get(decPath('sae-2', `?key_ID=${KEY_ID}`)),
        await sae.post(decPath('sae-2'), { key_IDs: [{ key_ID: KEY_ID }] }),
      ]) {
        expect(
          expectEtsiError(answer, 400, 'one or more keys specified are not found on KME'),
        ).toEqual({ message: 'one or more keys specified are not found on KME' });
      }
    });
  });

  describe('401: the caller is not admitted, before any validation, and the port is never called', () => {
    /** Every route, a valid and an invalid request each: authentication comes first. */
    const everyRoute = (client: KmeClient) => [
      client.get(statusPath('sae-2')),
      client.get(encPath('sae-2', '?number=1&size=128')),
      client.post(encPath('sae-2'), { number: 1 }),
      client.get(decPath('sae-2', `?key_ID=${KEY_ID}`)),
      client.post(decPath('sae-2'), { key_IDs: [{ key_ID: KEY_ID }] }),
      client.post(encPath('sae-2'), { number: 'x', foo: 1 }),
      client.get(decPath('sae-2', '?key_ID=xyz')),
      client.get(statusPath('sae-9')),
    ];

    it.each([
      ['no client certificate', undefined, /client certificate is required/],
      ['a certificate from a foreign CA (CN=sae-1)', 'foreign', /not issued by this KME's CA/],
      [
        'an SAE attached to the peer KME (sae-2)',
        'sae-2',
        'certificate CN=sae-2 is not an SAE attached to this KME',
      ],
      [
        'the peer KME certificate (kme-2)',
        'kme-2',
        'certificate CN=kme-2 is not an SAE attached to this KME',
      ],
      [
        "the KME's own certificate (kme-1)",
        'kme-1',
        'certificate CN=kme-1 is not an SAE attached to this KME',
      ],
    ])('%s: 401 on every route', async (_, who, message) => {
      const client = who === 'foreign' ? kme.as(pki.foreign('sae-1')) : kme.as(who);
      for (const answer of await Promise.all(everyRoute(client))) {
        expectEtsiError(answer, 401, message);
      }
      expectPortUntouched();
    });

    it('the port refuses the caller the keys (KeyAccessDeniedError): 401 with its message', async () => {
      kme.delivery.failWith(new KeyAccessDeniedError([KEY_ID]));
      for (const answer of [
        await sae.get(decPath('sae-2', `?key_ID=${KEY_ID}`)),
        await sae.post(decPath('sae-2'), { key_IDs: [{ key_ID: KEY_ID }] }),
      ]) {
        expectEtsiError(answer, 401, 'the calling SAE is not a slave SAE of the requested keys');
      }
    });
  });

  describe('503 with Retry-After: the KME cannot serve now, through no fault of the request', () => {
    const material = { epoch: 'epoch-1', start: 0, end: 16 };
    const cases: [string, Error, number, string | RegExp][] = [
      [
        'InsufficientKeyMaterialError',
        new InsufficientKeyMaterialError(32, 8),
        1,
        'not enough key material: 256 bits requested, 64 bits available',
      ],
      [
        'KeyServiceUnavailableError',
        new KeyServiceUnavailableError('the link is not synchronised', 7),
        7,
        'the link is not synchronised',
      ],
      [
        'BrokerUnavailableError (master KME)',
        new BrokerUnavailableError('no confirm in time'),
        1,
        'the message broker is unreachable: no confirm in time',
      ],
      [
        'PeerUnreachableError (slave KME)',
        new PeerUnreachableError('the master KME did not answer in time', 2),
        2,
        'the master KME did not answer in time',
      ],
      [
        'any other UnavailableError',
        new UnavailableError('the link is being reset', 30),
        30,
        'the link is being reset',
      ],
      [
        'MaterialUnavailableError',
        new MaterialUnavailableError(material),
        1,
        /^key material not available on this KME: material epoch-1\[0, 16\) is not held/,
      ],
      [
        'MaterialReusedError',
        new MaterialReusedError(material),
        1,
        /^key material not available on this KME: .*already used/,
      ],
    ];
    const routes: [string, (client: KmeClient) => ReturnType<KmeClient['get']>][] = [
      ['GET enc_keys', (client) => client.get(encPath('sae-2', '?number=2'))],
      ['POST enc_keys', (client) => client.post(encPath('sae-2'), { number: 2 })],
      ['GET dec_keys', (client) => client.get(decPath('sae-2', `?key_ID=${KEY_ID}`))],
      [
        'POST dec_keys',
        (client) => client.post(decPath('sae-2'), { key_IDs: [{ key_ID: KEY_ID }] }),
      ],
    ];

    describe.each(cases)('%s', (_, error, retryAfter, message) => {
      it.each(routes)('%s: 503, Retry-After, the message, nothing else', async (__, send) => {
        kme.delivery.failWith(error);
        const answer = await send(sae);
        const body = expectEtsiError(answer, 503, message);
        expect(body.details).toBeUndefined();
        expect(answer.headers['retry-after']).toBe(String(retryAfter));
        expect(kme.delivery.consumingCalls).toHaveLength(1);
      });
    });

    it('a successful answer carries no Retry-After', async () => {
      const answer = await sae.get(encPath('sae-2')).expect(200);
      expect(answer.headers['retry-after']).toBeUndefined();
    });
  });

  describe('500: an unexpected fault says nothing of the KME', () => {
    it.each([
      ['a plain Error', new Error('secret path /var/lib/kme/pool.db is locked')],
      ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'secret')")],
      ['a thrown string', 'secret string thrown'],
    ])('%s: 500 with a generic message, no stack, no Retry-After', async (_, fault) => {
      kme.delivery.failWith(fault);
      for (const answer of [
        await sae.get(encPath('sae-2')),
        await sae.post(decPath('sae-2'), { key_IDs: [{ key_ID: KEY_ID }] }),
      ]) {
        expect(expectEtsiError(answer, 500)).toEqual({ message: 'internal error of the KME' });
        expect(answer.text).not.toMatch(/secret|\bat \S+:\d+|Error/);
        expect(answer.headers['retry-after']).toBeUndefined();
      }
      // The KME's own log keeps what the client was not told.
      const logged = kme.logs.at('error').find((entry) => entry.message === 'unexpected error');
      expect(JSON.stringify(logged?.params)).toContain('secret');
    });
  });
});
