import 'reflect-metadata';
import type { ArgumentMetadata } from '@nestjs/common';
import { KeyIdsDto } from '../dto/key-ids.dto';
import { KeyRequestDto } from '../dto/key-request.dto';
import { DecKeysQueryDto, EncKeysQueryDto } from '../dto/query.dto';
import type { EtsiApiOptions } from '../etsi-api.options';
import { EtsiValidationPipe } from './etsi-validation.pipe';
import { InvalidRequestError } from '../request-errors';

const body: ArgumentMetadata = { type: 'body', metatype: KeyRequestDto };

const pipe = (strictRequests = false) =>
  new EtsiValidationPipe({ strictRequests } as EtsiApiOptions);

async function refusal(value: unknown, strict = false): Promise<InvalidRequestError> {
  const error = await pipe(strict)
    .transform(JSON.stringify(value), body)
    .then(
      () => undefined,
      (reason: unknown) => reason,
    );
  if (!(error instanceof InvalidRequestError)) {
    throw new Error(`expected an InvalidRequestError, got ${String(error)}`);
  }
  return error;
}

describe('EtsiValidationPipe', () => {
  it('takes a missing body as an empty Key request', async () => {
    await expect(pipe().transform(undefined, body)).resolves.toBeInstanceOf(KeyRequestDto);
  });

  it.each([null, [], 'x', 3, true])('refuses the JSON body %p: not an object', async (value) => {
    const error = await refusal(value);
    expect(error.message).toBe('request body must be a JSON object');
    expect(error.details).toEqual([{ 'request body': 'not an object' }]);
  });

  it('refuses deeply nested JSON with a 400, not a stack overflow', async () => {
    const depth = 100_000;
    const text = `{"extension_optional":[{"abc_deep":${'['.repeat(depth)}${']'.repeat(depth)}}]}`;
    const error = (await pipe()
      .transform(text, body)
      .catch((e: unknown) => e)) as InvalidRequestError;
    expect(error.message).toBe('request body is nested too deeply');
  });

  it('accepts extension values nested a few levels', async () => {
    const value = { extension_optional: [{ abc_a: { b: { c: [1, { d: 2 }] } } }] };
    await expect(pipe().transform(JSON.stringify(value), body)).resolves.toMatchObject(value);
  });

  it.each(['abc_route_type', { abc_route_type: 'direct' }, 5, ['abc_route_type']])(
    'refuses extension_mandatory %p, which is not an array of objects',
    async (extensions) => {
      const error = await refusal({ extension_mandatory: extensions });
      expect(
        error.details.map((detail: Record<string, string>) => Object.keys(detail)[0]),
      ).toContain('extension_mandatory');
    },
  );

  it.each(['abc_max_age', { abc_max_age: 1 }, [1]])(
    'refuses extension_optional %p, which is not an array of objects',
    async (extensions) => {
      const error = await refusal({ extension_optional: extensions });
      expect(
        error.details.map((detail: Record<string, string>) => Object.keys(detail)[0]),
      ).toContain('extension_optional');
    },
  );

  it.each(['number', 'size', 'additional_slave_SAE_IDs', 'extension_mandatory'])(
    'refuses %s sent as null instead of leaving it out',
    async (field) => {
      const error = await refusal({ [field]: null });
      expect(
        error.details.map((detail: Record<string, string>) => Object.keys(detail)[0]),
      ).toContain(field);
    },
  );

  describe('reads the body as JSON text, whatever its Content-Type said', () => {
    const read = (text: string | undefined, strict = false) => pipe(strict).transform(text, body);

    it('takes an empty body as an empty Key request', async () => {
      for (const text of ['', '  \r\n', undefined]) {
        const request = (await read(text)) as KeyRequestDto;
        expect(request).toBeInstanceOf(KeyRequestDto);
        expect(request.number).toBeUndefined();
      }
    });

    it('refuses text that is not JSON, saying so', async () => {
      const error = await pipe()
        .transform('number=1', body)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as InvalidRequestError).message).toMatch(/^request body is not valid JSON/);
    });

    it('ignores unknown members unless strict, and never looks them up on a prototype', async () => {
      for (const name of [
        'foo',
        'toLocaleString',
        'valueOf',
        'hasOwnProperty',
        'constructor',
        '__lookupGetter__',
      ]) {
        const text = `{"number":2,"${name}":{"number":5}}`;
        const request = (await read(text)) as Record<string, unknown>;
        expect(request.number).toBe(2);
        expect(Object.hasOwn(request, name)).toBe(false);
        const strict = (await read(text, true).catch((e: unknown) => e)) as InvalidRequestError;
        expect(strict).toBeInstanceOf(InvalidRequestError);
        expect(strict.details).toEqual([{ [name]: `${name} is not a parameter of this request` }]);
      }
    });

    it('never lets a __proto__ member reach a prototype', async () => {
      const request = (await read('{"__proto__":{"number":2}}')) as KeyRequestDto;
      expect(request.number).toBeUndefined();
      expect(Object.getPrototypeOf(request)).toBe(KeyRequestDto.prototype);
      const nested = (await read(
        '{"extension_optional":[{"__proto__":{"polluted":true}}]}',
      )) as KeyRequestDto;
      expect(Object.getPrototypeOf(nested.extension_optional?.[0])).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const strict = (await read('{"__proto__":{"number":2}}', true).catch(
        (e: unknown) => e,
      )) as InvalidRequestError;
      expect(strict.details).toEqual([
        { ['__proto__']: '__proto__ is not a parameter of this request' },
      ]);
    });

    it('refuses a member that differs from a known one only in case, strict or not', async () => {
      const error = (await read('{"Number":3}').catch((e: unknown) => e)) as InvalidRequestError;
      expect(error.message).toBe('Number is not a parameter of this request; did you mean number?');
    });

    it('refuses duplicate member names in strict mode only, naming where', async () => {
      expect(await read('{"number":1,"number":2}')).toMatchObject({ number: 2 });
      const error = (await read('{"number":1,"size":256,"number":2}', true).catch(
        (e: unknown) => e,
      )) as InvalidRequestError;
      expect(error.message).toBe('number is given twice');
      const nested = (await pipe(true)
        .transform('{"key_IDs":[{"key_ID":"a"},{"key_ID":"b","key_ID":"c"}]}', {
          type: 'body',
          metatype: KeyIdsDto,
        })
        .catch((e: unknown) => e)) as InvalidRequestError;
      expect(nested.details).toEqual([{ 'key_IDs[1][key_ID]': 'given twice' }]);
    });

    it('ignores a master_SAE_ID inside a key_ID object unless strict', async () => {
      const keyIds = { type: 'body' as const, metatype: KeyIdsDto };
      const id = 'bc490419-7d60-487f-adc1-4ddcc177c139';
      const text = JSON.stringify({ key_IDs: [{ key_ID: id, master_SAE_ID: 'sae-1' }] });
      const read = (await pipe().transform(text, keyIds)) as KeyIdsDto;
      expect(read.key_IDs.map((entry) => ({ ...entry }))).toEqual([
        { key_ID: id, key_ID_extension: undefined },
      ]);
      const error = (await pipe(true)
        .transform(text, keyIds)
        .catch((e: unknown) => e)) as InvalidRequestError;
      expect(error.details).toEqual([
        {
          'key_IDs[0][master_SAE_ID]':
            'key_IDs[0][master_SAE_ID] is not a parameter of this request',
        },
      ]);
    });
  });
});

describe('EtsiValidationPipe on query strings', () => {
  const query: ArgumentMetadata = { type: 'query', metatype: EncKeysQueryDto };

  it('answers a query it validated before with an equal DTO of its own', async () => {
    const queries = pipe();
    const first = (await queries.transform({ number: '2', size: '256' }, query)) as object;
    const again = (await queries.transform({ number: '2', size: '256' }, query)) as object;
    expect(again).toBeInstanceOf(EncKeysQueryDto);
    expect({ ...again }).toEqual({ number: 2, size: 256 });
    expect(again).not.toBe(first);
    (again as EncKeysQueryDto).number = 5;
    await expect(queries.transform({ number: '2', size: '256' }, query)).resolves.toEqual(
      expect.objectContaining({ number: 2 }),
    );
  });

  it('tells queries apart by their values and refuses a bad one every time', async () => {
    const queries = pipe();
    await queries.transform({ number: '2' }, query);
    await expect(queries.transform({ number: '3' }, query)).resolves.toEqual(
      expect.objectContaining({ number: 3 }),
    );
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await expect(queries.transform({ number: 'x' }, query)).rejects.toThrow(
        'number must be an integer',
      );
    }
  });

  it('keeps the answers of one DTO class apart from another', async () => {
    const queries = pipe();
    const decKeys: ArgumentMetadata = { type: 'query', metatype: DecKeysQueryDto };
    await queries.transform({}, query);
    await expect(queries.transform({}, decKeys)).rejects.toThrow(InvalidRequestError);
  });
});
