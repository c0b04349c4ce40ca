import type { HttpAnswer, HttpsClient, Role } from './support/kme-harness';
import { KmeTestPair } from './support/kme-harness';
import {
  DIRECTIONS,
  FOUR_SAE_PAIR,
  KEYS_NOT_FOUND,
  MANDATORY_UNSUPPORTED,
  SIZE_NOT_MULTIPLE_OF_8,
  UNKNOWN_KEY_ID,
  clientsOf,
  decKeys,
  decPath,
  encKeys,
  encPath,
  errorShapeProblems,
  expectBadRequest,
  expectEtsiError,
  expectKeyContainer,
  postKeyIds,
  statusPath,
  type DirectionClients,
  type KeyContainer,
} from './support/etsi';

/**
 * Error answers of the ETSI API (digest §5 and the [INF] 400s): every row of the table, GET and
 * POST, with either KME as the master SAE's KME; exact messages where the standard gives them.
 */
const LIMITS = {
  MIN_KEY_SIZE: '64',
  MAX_KEY_SIZE: '1024',
  DEFAULT_KEY_SIZE: '128',
  MAX_KEYS_PER_REQUEST: '10',
  MAX_SAE_ID_COUNT: '2',
};

/** Another SAE on the slave SAE's KME: one that is not a slave SAE of the direction's keys. */
const BYSTANDER: Record<Role, string> = { master: 'sae-3', slave: 'sae-4' };

describe('ETSI error answers', () => {
  let pair: KmeTestPair;

  beforeAll(async () => {
    pair = await KmeTestPair.start({
      ...FOUR_SAE_PAIR,
      env: { ...LIMITS, KEY_RATE_BPS: '0', MAX_KEY_COUNT: '20000' },
    });
    await pair.waitForKeys(100);
  });

  afterAll(() => pair.stop());

  describe.each(DIRECTIONS)('$name', (direction) => {
    let sae: DirectionClients;
    let bystander: HttpsClient;

    beforeAll(() => {
      sae = clientsOf(pair, direction);
      bystander = pair.client(direction.decKme, BYSTANDER[direction.decKme]);
    });

    const getEnc = (query: string) => sae.master.get(encPath(direction.slaveSae, query));
    const postEnc = (body: unknown) => sae.master.post(encPath(direction.slaveSae), body);
    const getDec = (client: HttpsClient, keyId: string) =>
      client.get<KeyContainer>(decPath(direction.masterSae, `?key_ID=${keyId}`));
    const postDec = (body: unknown) => sae.slave.post(decPath(direction.masterSae), body);

    /** The slave SAE can still fetch these keys: whatever was refused consumed nothing. */
    async function stillFetchable(keyIds: readonly string[]): Promise<void> {
      const keys = await decKeys(sae.slave, direction.masterSae, keyIds);
      expect(keys.map((key) => key.key_ID)).toEqual(keyIds);
    }

    describe('digest §5 table', () => {
      it.each([129, 100, 1020, 65])(
        'size not a multiple of 8 (%i): 400 "size shall be a multiple of 8", GET and POST',
        async (size) => {
          expectBadRequest(await getEnc(`?size=${size}`), 'size', SIZE_NOT_MULTIPLE_OF_8);
          expectBadRequest(await getEnc(`?number=2&size=${size}`), 'size', SIZE_NOT_MULTIPLE_OF_8);
          expectBadRequest(await postEnc({ size }), 'size', SIZE_NOT_MULTIPLE_OF_8);
          expectBadRequest(await postEnc({ number: 2, size }), 'size', SIZE_NOT_MULTIPLE_OF_8);
        },
      );

      it('unsupported extension_mandatory: 400 with the exact message and details naming each extension', async () => {
        const body = expectBadRequest(
          await postEnc({
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

        const two = expectBadRequest(
          await postEnc({ extension_mandatory: [{ xyz_a: 1, xyz_b: { nested: true } }] }),
          undefined,
          MANDATORY_UNSUPPORTED,
        );
        const named = (two.details ?? []).map((detail) =>
          String(detail.extension_mandatory_unsupported),
        );
        expect(named).toEqual([expect.stringContaining('xyz_a'), expect.stringContaining('xyz_b')]);
      });

      it('no extension_mandatory is supported, so "request options could not be met" never applies', async () => {
        // The request itself could be met; the extension is what cannot be handled.
        const answer = await postEnc({
          number: 1,
          extension_mandatory: [{ abc_route_type: 'direct' }],
        });
        expectBadRequest(answer, undefined, MANDATORY_UNSUPPORTED);
        // Nor with a request that could not be met anyway: the extension is refused first.
        expectBadRequest(
          await postEnc({ number: 11, extension_mandatory: [{ abc_route_type: 'direct' }] }),
          'extension_mandatory_unsupported',
          MANDATORY_UNSUPPORTED,
        );
      });

      it('unknown extension_optional is ignored: 200 as normal, keys usable at the peer KME', async () => {
        const answer = await postEnc({
          number: 2,
          size: 256,
          extension_optional: [{ abc_max_age: 30000 }, { xyz_anything: { deep: [1, 2] } }],
        });
        const keys = expectKeyContainer(answer, 2, 256);
        expect(
          await decKeys(
            sae.slave,
            direction.masterSae,
            keys.map((key) => key.key_ID),
          ),
        ).toEqual(keys);
      });

      it('unknown key ID: 400 "one or more keys specified are not found on KME", GET and POST', async () => {
        const answers = await Promise.all([
          getDec(sae.slave, UNKNOWN_KEY_ID),
          postKeyIds(sae.slave, direction.masterSae, [UNKNOWN_KEY_ID]),
        ]);
        for (const answer of answers) expectBadRequest(answer, undefined, KEYS_NOT_FOUND);
      });

      it('already delivered key ID: 400 "one or more keys specified are not found on KME", GET and POST', async () => {
        const keys = await encKeys(sae.master, direction.slaveSae, { number: 2 });
        const ids = keys.map((key) => key.key_ID);
        await decKeys(sae.slave, direction.masterSae, ids);
        expectBadRequest(await getDec(sae.slave, ids[0]), undefined, KEYS_NOT_FOUND);
        expectBadRequest(await getDec(sae.slave, ids[1]), undefined, KEYS_NOT_FOUND);
        expectBadRequest(
          await postKeyIds(sae.slave, direction.masterSae, ids),
          undefined,
          KEYS_NOT_FOUND,
        );
      });

      it('caller is not a slave SAE of the keys: 401 with a message, GET and POST, nothing consumed', async () => {
        const keys = await encKeys(sae.master, direction.slaveSae, { number: 2 });
        const ids = keys.map((key) => key.key_ID);
        expectEtsiError(await getDec(bystander, ids[0]), 401);
        expectEtsiError(await postKeyIds(bystander, direction.masterSae, ids), 401);
        await stillFetchable(ids);
      });

      it('a certificate that cannot be verified is refused (401), nothing delivered', async () => {
        const [key] = await encKeys(sae.master, direction.slaveSae);
        const foreign = pair.foreignClient(direction.decKme);
        expectEtsiError(await getDec(foreign, key.key_ID), 401);
        expectEtsiError(await postKeyIds(foreign, direction.masterSae, [key.key_ID]), 401);
        expectEtsiError(
          await pair.foreignClient(direction.encKme).get(encPath(direction.slaveSae)),
          401,
        );
        await stillFetchable([key.key_ID]);
      });
    });

    describe('other bad requests (400)', () => {
      it.each([56, 1032, 8, 0, -8, 4096])(
        'size %i outside [min_key_size, max_key_size]: 400 naming size, GET and POST',
        async (size) => {
          expectBadRequest(await getEnc(`?size=${size}`), 'size');
          expectBadRequest(await postEnc({ size }), 'size');
        },
      );

      it.each(['0', '-1', '11', '1.5', 'abc', '', '1e1', '0x2', '2abc'])(
        'GET ?number=%s: 400 naming number',
        async (number) => {
          expectBadRequest(await getEnc(`?number=${number}`), 'number');
        },
      );

      it.each([
        ['0', 0],
        ['-1', -1],
        ['more than max_key_per_request', 11],
        ['1.5', 1.5],
        ['the string "3"', '3'],
        ['true', true],
        ['an array', [3]],
        ['an object', { value: 3 }],
      ])('POST "number": %s: 400 naming number', async (_, number) => {
        expectBadRequest(await postEnc({ number }), 'number');
      });

      it.each([
        ['1.5', 128.5],
        ['the string "128"', '128'],
        ['an array', [128]],
      ])('POST "size": %s: 400 naming size', async (_, size) => {
        expectBadRequest(await postEnc({ size }), 'size');
      });

      it('size and number at their limits are fine (the bounds are inclusive)', async () => {
        expectKeyContainer(await getEnc('?number=10&size=64'), 10, 64);
        expectKeyContainer(await postEnc({ number: 1, size: 1024 }), 1, 1024);
      });

      it.each([
        'foo=1',
        'number=1&foo=1',
        `key_ID=${UNKNOWN_KEY_ID}`,
        'additional_slave_SAE_IDs=sae-3',
        'extension_mandatory=x',
        'extension_optional=x',
      ])(
        'GET enc_keys takes only number and size: ?%s is 400 naming the parameter',
        async (query) => {
          const name = query.split('&').pop()!.split('=')[0];
          expectBadRequest(await getEnc(`?${query}`), name);
        },
      );

      it('GET dec_keys takes only key_ID: another parameter is 400, the key is kept', async () => {
        const [key] = await encKeys(sae.master, direction.slaveSae);
        expectBadRequest(
          await sae.slave.get(decPath(direction.masterSae, `?key_ID=${key.key_ID}&size=128`)),
          'size',
        );
        await stillFetchable([key.key_ID]);
      });

      it('POST forms take no query parameters: 400 naming the parameter, nothing consumed', async () => {
        expectBadRequest(
          await sae.master.post(encPath(direction.slaveSae, '?number=1'), { size: 128 }),
          'number',
        );
        expectBadRequest(await sae.master.post(encPath(direction.slaveSae, '?x=1')), 'x');
        const [key] = await encKeys(sae.master, direction.slaveSae);
        expectBadRequest(
          await sae.slave.post(decPath(direction.masterSae, `?key_ID=${key.key_ID}`), {
            key_IDs: [{ key_ID: key.key_ID }],
          }),
          'key_ID',
        );
        await stillFetchable([key.key_ID]);
      });

      it('unknown JSON members that change nothing are ignored (STRICT_REQUESTS is off)', async () => {
        // Tolerant reading (issue 9): these were 400s; a strict pair still refuses them
        // (etsi-field-clients.e2e-spec.ts).
        expectKeyContainer(await postEnc({ number: 1, foo: 1 }), 1, 128);
        expectKeyContainer(await postEnc({ slave_SAE_ID: direction.slaveSae }), 1, 128);
        const [key] = await encKeys(sae.master, direction.slaveSae);
        const [again] = await encKeys(sae.master, direction.slaveSae);
        const [third] = await encKeys(sae.master, direction.slaveSae);
        expect(
          expectKeyContainer(await postDec({ key_IDs: [{ key_ID: key.key_ID }], foo: 1 }), 1, 128),
        ).toEqual([key]);
        expect(
          expectKeyContainer(
            await postDec({ key_IDs: [{ key_ID: again.key_ID, foo: 1 }] }),
            1,
            128,
          ),
        ).toEqual([again]);
        expect(
          expectKeyContainer(
            await postDec({
              key_IDs: [{ key_ID: third.key_ID }],
              master_SAE_ID: direction.masterSae,
            }),
            1,
            128,
          ),
        ).toEqual([third]);
      });

      it('a member that differs from a known one only in case is refused, never ignored', async () => {
        expectBadRequest(await postEnc({ Number: 1 }), 'Number');
        const [key] = await encKeys(sae.master, direction.slaveSae);
        expectBadRequest(
          await postDec({ key_IDs: [{ Key_ID: key.key_ID }] }),
          'key_IDs[0][Key_ID]',
        );
        await stillFetchable([key.key_ID]);
      });

      it.each([
        ['not a UUID', 'xyz'],
        ['empty', ''],
        ['a UUID without dashes', UNKNOWN_KEY_ID.replace(/-/g, '')],
        ['a UUID with a trailing character', `${UNKNOWN_KEY_ID}0`],
        ['a UUID in braces', `%7B${UNKNOWN_KEY_ID}%7D`],
      ])('GET dec_keys with a malformed key_ID (%s): 400 naming key_ID', async (_, keyId) => {
        expectBadRequest(await getDec(sae.slave, keyId), 'key_ID');
      });

      it('GET dec_keys without key_ID, or with two, is 400 naming key_ID', async () => {
        const keys = await encKeys(sae.master, direction.slaveSae, { number: 2 });
        expectBadRequest(await sae.slave.get(decPath(direction.masterSae)), 'key_ID');
        expectBadRequest(
          await sae.slave.get(
            decPath(direction.masterSae, `?key_ID=${keys[0].key_ID}&key_ID=${keys[1].key_ID}`),
          ),
          'key_ID',
        );
        await stillFetchable(keys.map((key) => key.key_ID));
      });

      it.each([
        ['key_ID not a UUID', { key_IDs: [{ key_ID: 'xyz' }] }, 'key_IDs[0][key_ID]'],
        ['key_ID a number', { key_IDs: [{ key_ID: 123 }] }, 'key_IDs[0][key_ID]'],
        ['key_ID missing', { key_IDs: [{}] }, 'key_IDs[0][key_ID]'],
        ['key_IDs empty', { key_IDs: [] }, 'key_IDs'],
        ['key_IDs missing', {}, 'key_IDs'],
        ['key_IDs an object', { key_IDs: { key_ID: UNKNOWN_KEY_ID } }, 'key_IDs'],
        ['key_IDs a list of strings', { key_IDs: [UNKNOWN_KEY_ID] }, 'key_IDs[0]'],
        ['key_IDs holding null', { key_IDs: [null] }, 'key_IDs[0]'],
        [
          'key_ID_extension not an object',
          { key_IDs: [{ key_ID: UNKNOWN_KEY_ID, key_ID_extension: 'x' }] },
          'key_IDs[0][key_ID_extension]',
        ],
        [
          'key_IDs_extension not an object',
          { key_IDs: [{ key_ID: UNKNOWN_KEY_ID }], key_IDs_extension: [1] },
          'key_IDs_extension',
        ],
      ])('POST dec_keys with %s: 400 naming the field', async (_, body, field) => {
        expectBadRequest(await postDec(body), field);
      });

      it('POST dec_keys with more than max_key_per_request IDs: 400 naming key_IDs, nothing consumed', async () => {
        const keys = await encKeys(sae.master, direction.slaveSae, { number: 10 });
        const [extra] = await encKeys(sae.master, direction.slaveSae);
        const ids = [...keys, extra].map((key) => key.key_ID);
        expectBadRequest(await postKeyIds(sae.slave, direction.masterSae, ids), 'key_IDs');
        await stillFetchable(ids.slice(0, 10));
        await stillFetchable(ids.slice(10));
      });

      it.each(['sae-9', 'kme-1', 'kme-2', 'SAE-2', 'sae-1%20'])(
        'unknown slave_SAE_ID %s: 400 naming slave_SAE_ID (status, GET and POST enc_keys)',
        async (unknown) => {
          expectBadRequest(await sae.master.get(statusPath(unknown)), 'slave_SAE_ID');
          expectBadRequest(await sae.master.get(encPath(unknown)), 'slave_SAE_ID');
          expectBadRequest(await sae.master.post(encPath(unknown), {}), 'slave_SAE_ID');
        },
      );

      it('unknown master_SAE_ID: 400 naming master_SAE_ID (GET and POST dec_keys), key kept', async () => {
        const [key] = await encKeys(sae.master, direction.slaveSae);
        expectBadRequest(
          await sae.slave.get(decPath('sae-9', `?key_ID=${key.key_ID}`)),
          'master_SAE_ID',
        );
        expectBadRequest(await postKeyIds(sae.slave, 'sae-9', [key.key_ID]), 'master_SAE_ID');
        await stillFetchable([key.key_ID]);
      });

      it('the calling SAE named in the path: 400 (an SAE shares no keys with itself)', async () => {
        expectBadRequest(await sae.master.get(statusPath(direction.masterSae)), 'slave_SAE_ID');
        expectBadRequest(await sae.master.get(encPath(direction.masterSae)), 'slave_SAE_ID');
        expectBadRequest(await sae.master.post(encPath(direction.masterSae), {}), 'slave_SAE_ID');
        expectBadRequest(
          await postKeyIds(sae.slave, direction.slaveSae, [UNKNOWN_KEY_ID]),
          'master_SAE_ID',
        );
      });

      it.each(['enc_keys', 'dec_keys'])('malformed JSON to POST %s: 400', async (method) => {
        const [client, path] =
          method === 'enc_keys'
            ? [sae.master, encPath(direction.slaveSae)]
            : [sae.slave, decPath(direction.masterSae)];
        for (const raw of ['{"number":', '{number: 1}', "{'number': 1}", '{"number":1,}', 'nul']) {
          expectEtsiError(await client.post(path, undefined, raw), 400);
        }
      });

      it.each([
        ['an array', '[]'],
        ['an array of a request', '[{"number":1}]'],
        ['a string', '"number"'],
        ['a number', '3'],
        ['true', 'true'],
        ['null', 'null'],
      ])('a JSON body that is not an object (%s): 400, enc_keys and dec_keys', async (_, raw) => {
        expectEtsiError(await sae.master.post(encPath(direction.slaveSae), undefined, raw), 400);
        expectEtsiError(await sae.slave.post(decPath(direction.masterSae), undefined, raw), 400);
      });

      it.each([
        [
          'extension_mandatory a string',
          { extension_mandatory: 'abc_route_type' },
          'extension_mandatory',
        ],
        [
          'extension_mandatory an object',
          { extension_mandatory: { abc_route_type: 'direct' } },
          'extension_mandatory',
        ],
        ['extension_mandatory a number', { extension_mandatory: 5 }, 'extension_mandatory'],
        [
          'extension_mandatory of strings',
          { extension_mandatory: ['abc_route_type'] },
          'extension_mandatory',
        ],
        [
          'extension_optional a string',
          { extension_optional: 'abc_max_age' },
          'extension_optional',
        ],
        [
          'extension_optional an object',
          { extension_optional: { abc_max_age: 1 } },
          'extension_optional',
        ],
        ['extension_optional of numbers', { extension_optional: [1] }, 'extension_optional'],
        [
          'additional_slave_SAE_IDs a string',
          { additional_slave_SAE_IDs: 'sae-3' },
          'additional_slave_SAE_IDs',
        ],
        [
          'additional_slave_SAE_IDs of numbers',
          { additional_slave_SAE_IDs: [3] },
          'additional_slave_SAE_IDs',
        ],
      ])('POST enc_keys with %s: 400 naming the field', async (_, body, field) => {
        expectBadRequest(await postEnc(body), field);
      });
    });
  });

  describe('no answer of either KME is 422, 500, HTML or an Error without message', () => {
    const big = JSON.stringify({
      key_IDs: [{ key_ID: UNKNOWN_KEY_ID }],
      pad: 'x'.repeat(1_100_000),
    });
    const deep = (depth: number) =>
      `{"extension_optional":[${'['.repeat(depth)}${']'.repeat(depth)}]}`;
    const deepObject = (depth: number) =>
      `{"key_IDs":[{"key_ID":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}]}`;
    /** Bad requests to a KME whose SAE's peer SAE is `peer`. */
    const batteryFor = (peer: string): readonly [string, string, string?, string?][] => [
      ['GET', '/'],
      ['GET', '/nope'],
      ['GET', '/api'],
      ['GET', '/api/v1'],
      ['GET', '/api/v1/keys'],
      ['GET', `/api/v1/keys/${peer}`],
      ['GET', `/api/v1/keys/${peer}/unknown_method`],
      ['GET', `/api/v1/keys/${peer}/status/`],
      ['GET', `/api/v2/keys/${peer}/status`],
      ['GET', `/api/v1/keys/${'s'.repeat(5000)}/status`],
      ['GET', '/api/v1/keys/%E0%A4%A/status'],
      ['GET', '/api/v1/keys/%/enc_keys'],
      ['GET', `/api/v1/keys/${peer}/enc_keys?number=%E0%A4%A`],
      ['GET', `/api/v1/keys/${peer}/enc_keys?number=1e309`],
      ['GET', `/api/v1/keys/${peer}/enc_keys?size=99999999999999999999`],
      ['GET', '/api/v1/keys/%00/status'],
      ['GET', '/api/internal/v1/link/sync'],
      ['POST', '/api/internal/v1/link/sync', '{}'],
      ['POST', '/api/internal/v1/allocations', '{}'],
      ['POST', `/api/v1/keys/${peer}/status`, '{}'],
      ['PUT', `/api/v1/keys/${peer}/enc_keys`, '{}'],
      ['DELETE', `/api/v1/keys/${peer}/enc_keys`],
      ['PATCH', `/api/v1/keys/${peer}/dec_keys`, '{}'],
      ['DELETE', `/api/v1/keys/${peer}/dec_keys`],
      ['OPTIONS', `/api/v1/keys/${peer}/status`],
      ['POST', `/api/v1/keys/${peer}/enc_keys`, big],
      ['POST', `/api/v1/keys/${peer}/dec_keys`, big],
      ['POST', `/api/v1/keys/${peer}/enc_keys`, '{"number":'],
      ['POST', `/api/v1/keys/${peer}/enc_keys`, 'null'],
      ['POST', `/api/v1/keys/${peer}/enc_keys`, 'number=1', 'application/x-www-form-urlencoded'],
      ['POST', `/api/v1/keys/${peer}/enc_keys`, '<number>1</number>', 'application/xml'],
      ['POST', `/api/v1/keys/${peer}/enc_keys`, 'number: 1', 'text/plain'],
      ['POST', `/api/v1/keys/${peer}/enc_keys`, '\x00\x01', 'application/octet-stream'],
      ['POST', `/api/v1/keys/${peer}/enc_keys`, '{"number":"1"}', 'json'],
      ['POST', `/api/v1/keys/${peer}/enc_keys`, '{"Number":2}'],
      [
        'POST',
        `/api/v1/keys/${peer}/enc_keys`,
        '{"number":1}',
        'application/json; charset=klingon',
      ],
      ['OPTIONS', `/api/v1/keys/${peer}/enc_keys`],
      ['GET', `/api/v1/keys/${peer}/STATUS`],
      ['GET', `/API/v1/keys/${peer}/status`],
      [
        'POST',
        `/api/v1/keys/${peer}/enc_keys`,
        '--x\r\n\r\n--x--',
        'multipart/form-data; boundary=x',
      ],
      ['POST', `/api/v1/keys/${peer}/dec_keys`, '{"key_IDs":"'],
      ['POST', `/api/v1/keys/${peer}/dec_keys`, deep(50_000)],
      ['POST', `/api/v1/keys/${peer}/dec_keys`, deepObject(20_000)],
      ['POST', `/api/v1/keys/${peer}/enc_keys`, deep(50_000)],
      ['POST', `/api/v1/keys/${peer}/enc_keys`, '{"extension_mandatory":"x"}'],
      ['POST', `/api/v1/keys/${peer}/enc_keys`, '{"extension_mandatory":{"length":1}}'],
      ['POST', `/api/v1/keys/${peer}/enc_keys`, '{"additional_slave_SAE_IDs":{"length":3}}'],
      ['POST', `/api/v1/keys/${peer}/enc_keys`, '{"number":1e400}'],
      ['POST', `/api/v1/keys/${peer}/dec_keys`, '{"key_IDs":[{"key_ID":"\\u0000"}]}'],
    ];

    /** Callers: an SAE of the KME, the peer KME, no certificate, a foreign certificate. */
    const callers: readonly [string, (pair: KmeTestPair, role: Role) => HttpsClient][] = [
      ['its SAE', (p, role) => p.client(role, role === 'master' ? 'sae-1' : 'sae-2')],
      ['no certificate', (p, role) => p.client(role, undefined)],
      ['a foreign certificate', (p, role) => p.foreignClient(role)],
      ['the peer KME', (p, role) => p.client(role, role === 'master' ? 'kme-2' : 'kme-1')],
    ];

    it.each(['master', 'slave'] as const)(
      '%s KME: every answer to a battery of bad inputs',
      async (role) => {
        const failures: string[] = [];
        for (const [callerName, clientOf] of callers) {
          const client = clientOf(pair, role);
          for (const [method, path, body, contentType] of batteryFor(
            role === 'master' ? 'sae-2' : 'sae-1',
          )) {
            const label = `${callerName}: ${method} ${path.slice(0, 80)} ${contentType ?? ''} ${(body ?? '').slice(0, 40)}`;
            let answer: HttpAnswer;
            try {
              answer = await client.send(method, path, body, contentType);
            } catch (error) {
              failures.push(`${label}: no answer (${String(error)})`);
              continue;
            }
            const problems = errorShapeProblems(answer);
            if (answer.status < 400) problems.push('not refused');
            if (answer.status === 422 || answer.status >= 500)
              problems.push(`status ${answer.status}`);
            if (problems.length > 0) {
              failures.push(
                `${label} -> ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}: ${problems.join(', ')}`,
              );
            }
          }
        }
        expect(failures).toEqual([]);
      },
    );

    it.each(['master', 'slave'] as const)(
      '%s KME: malformed bodies from its SAE are all 400, not 413/415',
      async (role) => {
        const client = pair.client(role, role === 'master' ? 'sae-1' : 'sae-2');
        const path = encPath(role === 'master' ? 'sae-2' : 'sae-1');
        expectEtsiError(await client.post(path, undefined, big), 400);
        expectEtsiError(await client.send('POST', path, '<a/>', 'application/xml'), 400);
        expectEtsiError(await client.send('POST', path, 'number=1', 'text/plain'), 400);
        expectEtsiError(await client.post(path, undefined, '{"number":'), 400);
      },
    );
  });
});
