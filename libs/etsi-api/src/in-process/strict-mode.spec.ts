import {
  InProcessKme,
  TestPki,
  decPath,
  encPath,
  expectBadRequest,
  type KmeClient,
} from './in-process-kme';

/**
 * Unknown members of ETSI bodies (CONVENTIONS habit 11): ignored by default, refused with
 * STRICT_REQUESTS (`strictRequests: true`), naming each; a member that differs from a known one
 * only in case is surely meant, so it is refused in both modes.
 */
const KEY_ID = 'bc490419-7d60-487f-adc1-4ddcc177c139';

/** Members every object inherits: a prototype lookup would take them for declared ones. */
const INHERITED_NAMES = [
  'toString',
  'constructor',
  '__proto__',
  'valueOf',
  'hasOwnProperty',
  'toLocaleString',
  '__lookupGetter__',
  '__defineSetter__',
];

describe('ETSI API in-process: strict and tolerant reading of ETSI bodies', () => {
  let pki: TestPki;
  let tolerant: InProcessKme;
  let strict: InProcessKme;

  beforeAll(async () => {
    pki = TestPki.create();
    tolerant = await InProcessKme.start(pki);
    strict = await InProcessKme.start(pki, { options: { strictRequests: true } });
  });

  afterAll(async () => {
    await tolerant?.close();
    await strict?.close();
    pki?.remove();
  });

  beforeEach(() => {
    tolerant.delivery.reset();
    strict.delivery.reset();
    tolerant.logs.clear();
  });

  const sae = (kme: InProcessKme): KmeClient => kme.as('sae-1');
  const postEnc = (kme: InProcessKme, raw: string) => sae(kme).postText(encPath('sae-2'), raw);
  const postDec = (kme: InProcessKme, raw: string) => sae(kme).postText(decPath('sae-2'), raw);

  const allocation = (number: number, sizeBits = 128) => ({
    method: 'allocateKeys',
    request: { masterSaeId: 'sae-1', slaveSaeIds: ['sae-2'], number, sizeBits },
  });
  const retrieval = (keyIds: readonly string[]) => ({
    method: 'retrieveKeys',
    request: { callerSaeId: 'sae-1', masterSaeId: 'sae-2', keyIds },
  });

  describe('unknown members of a Key request', () => {
    it.each([
      ['foo', '{"number":2,"foo":1}'],
      ['slave_SAE_ID', '{"number":2,"slave_SAE_ID":"sae-9"}'],
      ['abc_route_type', '{"number":2,"abc_route_type":"direct"}'],
      ['foo', '{"number":2,"foo":{"number":5,"size":8}}'],
    ])('%s in %s: strict refuses it by name; tolerant ignores it', async (name, raw) => {
      const body = expectBadRequest(await postEnc(strict, raw), name);
      expect(body.message).toBe(`${name} is not a parameter of this request`);
      expect(strict.delivery.calls).toEqual([]);

      await postEnc(tolerant, raw).expect(200);
      expect(tolerant.delivery.consumingCalls).toStrictEqual([allocation(2)]);
      const ignored = await tolerant.logs.waitFor((entry) => entry.message.startsWith('ignored'));
      expect(ignored).toMatchObject({
        level: 'debug',
        message: expect.stringContaining(name) as unknown,
      });
    });

    it('several unknown members: strict names each in details', async () => {
      const body = expectBadRequest(await postEnc(strict, '{"foo":1,"number":1,"bar":2}'), 'foo');
      expect(body.details?.flatMap((detail) => Object.keys(detail))).toEqual(['foo', 'bar']);
    });

    it.each(INHERITED_NAMES)(
      '%s at the top level: strict refuses it by name; tolerant ignores it, number unchanged',
      async (name) => {
        const raw = `{"number":1,"${name}":{"number":2}}`;
        expectBadRequest(await postEnc(strict, raw), name);
        expect(strict.delivery.calls).toEqual([]);
        await postEnc(tolerant, raw).expect(200);
        expect(tolerant.delivery.consumingCalls).toStrictEqual([allocation(1)]);
      },
    );

    it('tolerant: the port gets exactly the known fields, whatever else the body carried', async () => {
      await postEnc(
        tolerant,
        JSON.stringify({
          number: 3,
          size: 256,
          foo: { number: 9 },
          extension_optional: [{ abc_max_age: 1 }],
          key_IDs: [{ key_ID: KEY_ID }],
          toString: 'x',
        }),
      ).expect(200);
      expect(tolerant.delivery.consumingCalls).toStrictEqual([allocation(3, 256)]);
    });
  });

  describe('unknown members of Key IDs', () => {
    it.each([
      ['foo', `{"key_IDs":[{"key_ID":"${KEY_ID}"}],"foo":1}`],
      ['master_SAE_ID', `{"key_IDs":[{"key_ID":"${KEY_ID}"}],"master_SAE_ID":"sae-2"}`],
      ['key_IDs[0][foo]', `{"key_IDs":[{"key_ID":"${KEY_ID}","foo":1}]}`],
      ['key_IDs[0][master_SAE_ID]', `{"key_IDs":[{"key_ID":"${KEY_ID}","master_SAE_ID":"sae-2"}]}`],
      [
        'key_IDs[1][foo]',
        `{"key_IDs":[{"key_ID":"${KEY_ID}"},{"key_ID":"${KEY_ID.replace('b', 'a')}","foo":1}]}`,
      ],
    ])('%s: strict refuses it by its path; tolerant ignores it', async (path, raw) => {
      expectBadRequest(await postDec(strict, raw), path);
      expect(strict.delivery.calls).toEqual([]);
      await postDec(tolerant, raw).expect(200);
      const ids = (JSON.parse(raw) as { key_IDs: { key_ID: string }[] }).key_IDs.map(
        (k) => k.key_ID,
      );
      expect(tolerant.delivery.consumingCalls).toStrictEqual([retrieval(ids)]);
    });

    it.each(INHERITED_NAMES)(
      '%s inside a key_ID object and at the top level: strict refuses it by its path; tolerant ignores it',
      async (name) => {
        for (const [path, raw] of [
          [`key_IDs[0][${name}]`, `{"key_IDs":[{"key_ID":"${KEY_ID}","${name}":{"key_ID":"x"}}]}`],
          [name, `{"key_IDs":[{"key_ID":"${KEY_ID}"}],"${name}":{"key_IDs":[]}}`],
        ]) {
          expectBadRequest(await postDec(strict, raw), path);
          await postDec(tolerant, raw).expect(200);
        }
        expect(strict.delivery.calls).toEqual([]);
        expect(tolerant.delivery.consumingCalls).toStrictEqual([
          retrieval([KEY_ID]),
          retrieval([KEY_ID]),
        ]);
      },
    );
  });

  describe('members given twice', () => {
    it.each([
      ['number', '{"number":1,"number":2}', postEnc],
      ['size', '{"size":128,"number":1,"size":256}', postEnc],
      ['key_IDs', `{"key_IDs":[{"key_ID":"${KEY_ID}"}],"key_IDs":[]}`, postDec],
      ['key_IDs[0][key_ID]', `{"key_IDs":[{"key_ID":"${KEY_ID}","key_ID":"${KEY_ID}"}]}`, postDec],
    ])('%s: strict refuses it, naming it', async (path, raw, post) => {
      expectBadRequest(await post(strict, raw), path, `${path} is given twice`);
      expect(strict.delivery.calls).toEqual([]);
    });

    it('the same name in different objects is no duplicate', async () => {
      const other = KEY_ID.replace('b', 'a');
      await postDec(strict, `{"key_IDs":[{"key_ID":"${KEY_ID}"},{"key_ID":"${other}"}]}`).expect(
        200,
      );
      expect(strict.delivery.consumingCalls).toStrictEqual([retrieval([KEY_ID, other])]);
    });
  });

  describe('a member that differs from a known one only in case: refused in both modes', () => {
    const cases: [string, string, string, typeof postEnc][] = [
      ['Number', '{"Number":2}', 'number', postEnc],
      ['SIZE', '{"number":1,"SIZE":256}', 'size', postEnc],
      [
        'Extension_Mandatory',
        '{"Extension_Mandatory":[{"abc_route_type":"direct"}]}',
        'extension_mandatory',
        postEnc,
      ],
      ['key_IDs[0][Key_ID]', `{"key_IDs":[{"Key_ID":"${KEY_ID}"}]}`, 'key_ID', postDec],
      ['Key_IDs', `{"Key_IDs":[{"key_ID":"${KEY_ID}"}]}`, 'key_IDs', postDec],
    ];

    it.each(cases)('%s', async (path, raw, meant, post) => {
      for (const kme of [tolerant, strict]) {
        const body = expectBadRequest(await post(kme, raw), path);
        expect(body.message).toBe(
          `${path} is not a parameter of this request; did you mean ${meant}?`,
        );
        expect(kme.delivery.calls).toEqual([]);
      }
    });

    it('in the GET query too', async () => {
      for (const kme of [tolerant, strict]) {
        expectBadRequest(await sae(kme).get(encPath('sae-2', '?Number=2')), 'Number');
        expect(kme.delivery.calls).toEqual([]);
      }
    });
  });
});
