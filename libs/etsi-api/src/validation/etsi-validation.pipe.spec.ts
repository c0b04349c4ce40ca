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

/** What `work` threw; it must have refused with an InvalidRequestError. */
function caught(work: () => unknown): InvalidRequestError {
  try {
    work();
  } catch (error) {
    if (error instanceof InvalidRequestError) return error;
    throw new Error(`expected an InvalidRequestError, got ${String(error)}`);
  }
  throw new Error('expected an InvalidRequestError, got an answer');
}

function refusal(value: unknown, strict = false): InvalidRequestError {
  return caught(() => pipe(strict).transform(JSON.stringify(value), body));
}

describe('EtsiValidationPipe', () => {
  it('takes a missing body as an empty Key request', () => {
    expect(pipe().transform(undefined, body)).toBeInstanceOf(KeyRequestDto);
  });

  it.each([null, [], 'x', 3, true])('refuses the JSON body %p: not an object', (value) => {
    const error = refusal(value);
    expect(error.message).toBe('request body must be a JSON object');
    expect(error.details).toEqual([{ 'request body': 'not an object' }]);
  });

  it('refuses deeply nested JSON with a 400, not a stack overflow', () => {
    const depth = 100_000;
    const text = `{"extension_optional":[{"abc_deep":${'['.repeat(depth)}${']'.repeat(depth)}}]}`;
    const error = caught(() => pipe().transform(text, body));
    expect(error.message).toBe('request body is nested too deeply');
  });

  it('accepts extension values nested a few levels', () => {
    const value = { extension_optional: [{ abc_a: { b: { c: [1, { d: 2 }] } } }] };
    expect(pipe().transform(JSON.stringify(value), body)).toMatchObject(value);
  });

  it.each(['abc_route_type', { abc_route_type: 'direct' }, 5, ['abc_route_type']])(
    'refuses extension_mandatory %p, which is not an array of objects',
    (extensions) => {
      const error = refusal({ extension_mandatory: extensions });
      expect(
        error.details.map((detail: Record<string, string>) => Object.keys(detail)[0]),
      ).toContain('extension_mandatory');
    },
  );

  it.each(['abc_max_age', { abc_max_age: 1 }, [1]])(
    'refuses extension_optional %p, which is not an array of objects',
    (extensions) => {
      const error = refusal({ extension_optional: extensions });
      expect(
        error.details.map((detail: Record<string, string>) => Object.keys(detail)[0]),
      ).toContain('extension_optional');
    },
  );

  it.each(['number', 'size', 'additional_slave_SAE_IDs', 'extension_mandatory'])(
    'refuses %s sent as null instead of leaving it out',
    (field) => {
      const error = refusal({ [field]: null });
      expect(
        error.details.map((detail: Record<string, string>) => Object.keys(detail)[0]),
      ).toContain(field);
    },
  );

  describe('reads the body as JSON text, whatever its Content-Type said', () => {
    const read = (text: string | undefined, strict = false) => pipe(strict).transform(text, body);

    it('takes an empty body as an empty Key request', () => {
      for (const text of ['', '  \r\n', undefined]) {
        const request = read(text) as KeyRequestDto;
        expect(request).toBeInstanceOf(KeyRequestDto);
        expect(request.number).toBeUndefined();
      }
    });

    it('refuses text that is not JSON, saying so', () => {
      const error = caught(() => pipe().transform('number=1', body));
      expect(error.message).toMatch(/^request body is not valid JSON/);
    });

    it('ignores unknown members unless strict, and never looks them up on a prototype', () => {
      for (const name of [
        'foo',
        'toLocaleString',
        'valueOf',
        'hasOwnProperty',
        'constructor',
        '__lookupGetter__',
      ]) {
        const text = `{"number":2,"${name}":{"number":5}}`;
        const request = read(text) as Record<string, unknown>;
        expect(request.number).toBe(2);
        expect(Object.hasOwn(request, name)).toBe(false);
        const strict = caught(() => read(text, true));
        expect(strict.details).toEqual([{ [name]: `${name} is not a parameter of this request` }]);
      }
    });

    it('never lets a __proto__ member reach a prototype', () => {
      const request = read('{"__proto__":{"number":2}}') as KeyRequestDto;
      expect(request.number).toBeUndefined();
      expect(Object.getPrototypeOf(request)).toBe(KeyRequestDto.prototype);
      const nested = read(
        '{"extension_optional":[{"__proto__":{"polluted":true}}]}',
      ) as KeyRequestDto;
      expect(Object.getPrototypeOf(nested.extension_optional?.[0])).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const strict = caught(() => read('{"__proto__":{"number":2}}', true));
      expect(strict.details).toEqual([
        { ['__proto__']: '__proto__ is not a parameter of this request' },
      ]);
    });

    it('refuses a member that differs from a known one only in case, strict or not', () => {
      const error = caught(() => read('{"Number":3}'));
      expect(error.message).toBe('Number is not a parameter of this request; did you mean number?');
    });

    it('refuses duplicate member names in strict mode only, naming where', () => {
      expect(read('{"number":1,"number":2}')).toMatchObject({ number: 2 });
      const error = caught(() => read('{"number":1,"size":256,"number":2}', true));
      expect(error.message).toBe('number is given twice');
      const nested = caught(() =>
        pipe(true).transform('{"key_IDs":[{"key_ID":"a"},{"key_ID":"b","key_ID":"c"}]}', {
          type: 'body',
          metatype: KeyIdsDto,
        }),
      );
      expect(nested.details).toEqual([{ 'key_IDs[1][key_ID]': 'given twice' }]);
    });

    it('ignores a master_SAE_ID inside a key_ID object unless strict', () => {
      const keyIds = { type: 'body' as const, metatype: KeyIdsDto };
      const id = 'bc490419-7d60-487f-adc1-4ddcc177c139';
      const text = JSON.stringify({ key_IDs: [{ key_ID: id, master_SAE_ID: 'sae-1' }] });
      const read = pipe().transform(text, keyIds) as KeyIdsDto;
      expect(read.key_IDs.map((entry) => ({ ...entry }))).toEqual([
        { key_ID: id, key_ID_extension: undefined },
      ]);
      const error = caught(() => pipe(true).transform(text, keyIds));
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

  it('answers a query it validated before with an equal DTO of its own', () => {
    const queries = pipe();
    const first = queries.transform({ number: '2', size: '256' }, query) as object;
    const again = queries.transform({ number: '2', size: '256' }, query) as object;
    expect(again).toBeInstanceOf(EncKeysQueryDto);
    expect({ ...again }).toEqual({ number: 2, size: 256 });
    expect(again).not.toBe(first);
    (again as EncKeysQueryDto).number = 5;
    expect(queries.transform({ number: '2', size: '256' }, query)).toEqual(
      expect.objectContaining({ number: 2 }),
    );
  });

  it('tells queries apart by their values and refuses a bad one every time', () => {
    const queries = pipe();
    queries.transform({ number: '2' }, query);
    expect(queries.transform({ number: '3' }, query)).toEqual(
      expect.objectContaining({ number: 3 }),
    );
    for (let attempt = 0; attempt < 2; attempt += 1) {
      expect(() => queries.transform({ number: 'x' }, query)).toThrow('number must be an integer');
    }
  });

  it('keeps the answers of one DTO class apart from another', () => {
    const queries = pipe();
    const decKeys: ArgumentMetadata = { type: 'query', metatype: DecKeysQueryDto };
    queries.transform({}, query);
    expect(() => queries.transform({}, decKeys)).toThrow(InvalidRequestError);
  });
});
