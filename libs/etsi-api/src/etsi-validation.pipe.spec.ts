import 'reflect-metadata';
import type { ArgumentMetadata } from '@nestjs/common';
import { KeyRequestDto } from './dto/key-request.dto';
import { EtsiValidationPipe } from './etsi-validation.pipe';
import { InvalidRequestError } from './request-errors';

const body: ArgumentMetadata = { type: 'body', metatype: KeyRequestDto };

async function refusal(value: unknown): Promise<InvalidRequestError> {
  const error = await new EtsiValidationPipe().transform(value, body).then(
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
    await expect(new EtsiValidationPipe().transform(undefined, body)).resolves.toBeInstanceOf(
      KeyRequestDto,
    );
  });

  it.each([null, [], 'x', 3, true])('refuses the JSON body %p: not an object', async (value) => {
    const error = await refusal(value);
    expect(error.message).toBe('request body must be a JSON object');
    expect(error.details).toEqual([{ 'request body': 'not an object' }]);
  });

  it('refuses deeply nested JSON with a 400, not a stack overflow', async () => {
    let nested: unknown = [];
    for (let i = 0; i < 100_000; i++) nested = [nested];
    const error = await refusal({ extension_optional: [{ abc_deep: nested }] });
    expect(error.message).toBe('request body is nested too deeply');
  });

  it('accepts extension values nested a few levels', async () => {
    const value = { extension_optional: [{ abc_a: { b: { c: [1, { d: 2 }] } } }] };
    await expect(new EtsiValidationPipe().transform(value, body)).resolves.toMatchObject(value);
  });

  it.each(['abc_route_type', { abc_route_type: 'direct' }, 5, ['abc_route_type']])(
    'refuses extension_mandatory %p, which is not an array of objects',
    async (extensions) => {
      const error = await refusal({ extension_mandatory: extensions });
      expect(error.details.map((detail) => Object.keys(detail)[0])).toContain(
        'extension_mandatory',
      );
    },
  );

  it.each(['abc_max_age', { abc_max_age: 1 }, [1]])(
    'refuses extension_optional %p, which is not an array of objects',
    async (extensions) => {
      const error = await refusal({ extension_optional: extensions });
      expect(error.details.map((detail) => Object.keys(detail)[0])).toContain('extension_optional');
    },
  );

  it.each(['number', 'size', 'additional_slave_SAE_IDs', 'extension_mandatory'])(
    'refuses %s sent as null instead of leaving it out',
    async (field) => {
      const error = await refusal({ [field]: null });
      expect(error.details.map((detail) => Object.keys(detail)[0])).toContain(field);
    },
  );
});
