import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import {
  ALLOCATION_REQUEST_SCHEMA,
  ALLOCATION_RESPONSE_SCHEMA,
  checkAllocationRequest,
  checkAllocationResponse,
} from './allocation-schemas';
import { AllocationRequestDto, AllocationResponseDto } from './internal-api.contract';

const keyId = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const keys = { epoch: 'e1', ranges: [{ start: 0, end: 32 }], keyBytes: 32, keyIds: [keyId] };

interface ObjectSchema {
  readonly properties: Record<string, Partial<ObjectSchema> & { items?: unknown }>;
  readonly required: readonly string[];
}

const item = { masterSaeId: 'sae-2', slaveSaeIds: ['sae-1'], number: 1, size: 256 };

describe('ALLOCATION_REQUEST_SCHEMA', () => {
  it('takes the requests of one call', () => {
    const call = { slaveStoreId: 'store-1', requests: [item, { ...item, number: 128 }] };
    expect(checkAllocationRequest(call)).toEqual({ value: call });
  });

  it('says what is wrong where, and why', () => {
    const call = {
      slaveStoreId: '',
      requests: [{ ...item, size: 4 }, { ...item, number: 1.5, extra: 1 }, { size: 256 }],
    };
    const checked = checkAllocationRequest(call);
    expect(
      'invalid' in checked && [...checked.invalid].sort((a, b) => (a.path < b.path ? -1 : 1)),
    ).toEqual([
      { path: 'requests/0/size', reason: 'must be >= 8' },
      { path: 'requests/1/extra', reason: 'is not a member of this call' },
      { path: 'requests/1/number', reason: 'must be integer' },
      { path: 'requests/2/masterSaeId', reason: 'is missing' },
      { path: 'requests/2/number', reason: 'is missing' },
      { path: 'requests/2/slaveSaeIds', reason: 'is missing' },
      { path: 'slaveStoreId', reason: 'must NOT have fewer than 1 characters' },
    ]);
    expect(checkAllocationRequest({ slaveStoreId: 's', requests: [] })).toEqual({
      invalid: [{ path: 'requests', reason: 'must NOT have fewer than 1 items' }],
    });
  });
});

describe('ALLOCATION_RESPONSE_SCHEMA', () => {
  it('takes keys and errors, one per result', () => {
    const answer = {
      results: [
        { keys },
        { error: { kind: 'insufficient_material', message: 'short', bytes: [32, 0] } },
        { error: { kind: 'invalid_request', message: 'bad', details: [{ size: 'bad' }] } },
      ],
    };
    expect(checkAllocationResponse(answer)).toEqual({ value: answer });
  });

  it('names every wrong, missing or unknown member by its path', () => {
    const answer = {
      results: [
        { keys: { ...keys, keyIds: ['not-a-uuid'], keyBytes: 0 } },
        { error: { kind: 'other', message: 'x', extra: 1 } },
        { keys: { epoch: 'e1', ranges: [{ start: -1, end: 1 }], keyBytes: 32 } },
      ],
      more: true,
    };
    const checked = checkAllocationResponse(answer);
    expect('invalid' in checked && checked.invalid.map((p) => p.path).sort()).toEqual([
      'more',
      'results/0/keys/keyBytes',
      'results/0/keys/keyIds/0',
      'results/1/error/extra',
      'results/1/error/kind',
      'results/2/keys/keyIds',
      'results/2/keys/ranges/0/start',
    ]);
  });

  it('refuses an insufficient-material error whose byte counts are not two integers', () => {
    const error = { kind: 'insufficient_material', message: 'short', bytes: [32] };
    const checked = checkAllocationResponse({ results: [{ error }] });
    expect('invalid' in checked && checked.invalid.map((p) => p.path)).toEqual([
      'results/0/error/bytes',
    ]);
  });
});

// The DTOs document the call in the master KME's OpenAPI page; the schemas check it. They must
// name the same members, required alike, or one of them lies.
describe('the allocation schemas', () => {
  it('name the same members as the documented DTOs, required alike', async () => {
    @Module({})
    class EmptyModule {}
    const app = await NestFactory.create(EmptyModule, { logger: false });
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build(), {
      extraModels: [AllocationRequestDto, AllocationResponseDto],
    });
    await app.close();
    const documented = document.components?.schemas as Record<string, ObjectSchema>;

    const compare = (schema: ObjectSchema, dto: string): void => {
      const model = documented[dto];
      expect({ dto, members: Object.keys(schema.properties).sort() }).toEqual({
        dto,
        members: Object.keys(model.properties).sort(),
      });
      expect({ dto, required: [...schema.required].sort() }).toEqual({
        dto,
        required: [...(model.required ?? [])].sort(),
      });
    };
    const request = ALLOCATION_REQUEST_SCHEMA as unknown as ObjectSchema;
    compare(request, 'AllocationRequestDto');
    compare(request.properties.requests.items as ObjectSchema, 'AllocationItemDto');
    const response = ALLOCATION_RESPONSE_SCHEMA as unknown as ObjectSchema;
    compare(response, 'AllocationResponseDto');
    const result = response.properties.results.items as ObjectSchema;
    compare(result, 'AllocationResultDto');
    const allocated = result.properties.keys as ObjectSchema;
    compare(allocated, 'AllocatedKeysDto');
    compare(allocated.properties.ranges.items as ObjectSchema, 'StreamRangeDto');
    compare(result.properties.error as ObjectSchema, 'AllocationErrorDto');
  });
});
