import { InvalidRequestError } from '@app/etsi-api';
import { AllocationRequestPipe } from './allocation-request.pipe';

const item = { masterSaeId: 'sae-2', slaveSaeIds: ['sae-1'], number: 1, size: 256 };
const pipe = new AllocationRequestPipe();

const refusal = (raw: unknown): InvalidRequestError => {
  try {
    pipe.transform(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return error as InvalidRequestError;
  }
  throw new Error('the call was accepted');
};

describe('AllocationRequestPipe', () => {
  it('reads the call from the body as the platform hands it over', () => {
    const call = { slaveStoreId: 'store-1', requests: [item] };
    expect(pipe.transform(JSON.stringify(call))).toEqual(call);
    expect(pipe.transform(Buffer.from(JSON.stringify(call)))).toEqual(call);
  });

  it('refuses with the member and the reason of each problem (400)', () => {
    const body = JSON.stringify({ slaveStoreId: 'store-1', requests: [{ ...item, size: 4 }, {}] });
    const error = refusal(body);
    expect(error.message).toBe('requests/0/size must be >= 8');
    expect(error.details).toEqual(
      expect.arrayContaining([
        { 'requests/0/size': 'must be >= 8' },
        { 'requests/1/masterSaeId': 'is missing' },
      ]),
    );
  });

  it('refuses members the contract does not name, a __proto__ one too', () => {
    const body = `{"slaveStoreId":"s","requests":[${JSON.stringify(item)}],"__proto__":{"x":1},"more":1}`;
    expect(refusal(body).details).toEqual([
      { ['__proto__']: 'is not a member of this call' },
      { more: 'is not a member of this call' },
    ]);
    expect(({} as { x?: number }).x).toBeUndefined();
  });

  it('refuses a body that is not JSON, or empty', () => {
    expect(refusal('{"slaveStoreId":').message).toMatch(/request body is not valid JSON/);
    expect(refusal(undefined).message).toMatch(/is missing/);
  });
});
