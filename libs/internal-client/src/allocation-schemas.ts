import Ajv, { type ErrorObject, type JSONSchemaType } from 'ajv';
import { UUID_PATTERN } from '@app/key-pool';
import {
  ALLOCATION_ERROR_KINDS,
  MAX_ALLOCATIONS_PER_CALL,
  type AllocatedKeysDto,
  type AllocationErrorDto,
  type AllocationItemDto,
  type AllocationRequestDto,
  type AllocationResponseDto,
  type StreamRangeDto,
} from './internal-api.contract';

/*
 * The allocation call, both ways, checked by JSON Schemas compiled once (Ajv) and typed against
 * the DTOs, which document the call in the master KME's OpenAPI page (a test keeps the two in
 * step). Every allocation of an SAE of the slave KME crosses both checks, and class-validator's
 * walk of each nested object cost the slave KME a tenth of its CPU, the master KME a sixth.
 * Strict both ways: a member the contract does not name is refused.
 */

const allocationItemSchema: JSONSchemaType<AllocationItemDto> = {
  type: 'object',
  properties: {
    masterSaeId: { type: 'string', minLength: 1 },
    slaveSaeIds: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'string' } },
    number: { type: 'integer', minimum: 1, maximum: 100_000 },
    size: { type: 'integer', minimum: 8, maximum: 1_048_576 },
  },
  required: ['masterSaeId', 'slaveSaeIds', 'number', 'size'],
  additionalProperties: false,
};

/** The slave KME's enc_keys requests of one moment, as the master KME receives them. */
export const ALLOCATION_REQUEST_SCHEMA: JSONSchemaType<AllocationRequestDto> = {
  type: 'object',
  properties: {
    slaveStoreId: { type: 'string', minLength: 1 },
    requests: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_ALLOCATIONS_PER_CALL,
      items: allocationItemSchema,
    },
  },
  required: ['slaveStoreId', 'requests'],
  additionalProperties: false,
};

const streamRangeSchema: JSONSchemaType<StreamRangeDto> = {
  type: 'object',
  properties: {
    start: { type: 'integer', minimum: 0 },
    end: { type: 'integer', minimum: 1 },
  },
  required: ['start', 'end'],
  additionalProperties: false,
};

const allocatedKeysSchema: JSONSchemaType<AllocatedKeysDto> = {
  type: 'object',
  properties: {
    epoch: { type: 'string', minLength: 1 },
    ranges: { type: 'array', minItems: 1, items: streamRangeSchema },
    keyBytes: { type: 'integer', minimum: 1 },
    keyIds: { type: 'array', minItems: 1, items: { type: 'string', pattern: UUID_PATTERN } },
  },
  required: ['epoch', 'ranges', 'keyBytes', 'keyIds'],
  additionalProperties: false,
};

const allocationErrorSchema: JSONSchemaType<AllocationErrorDto> = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ALLOCATION_ERROR_KINDS },
    message: { type: 'string' },
    details: {
      type: 'array',
      nullable: true,
      items: { type: 'object', additionalProperties: { type: 'string' }, required: [] },
    },
    bytes: {
      type: 'array',
      nullable: true,
      items: [{ type: 'integer' }, { type: 'integer' }],
      minItems: 2,
      maxItems: 2,
    },
  },
  required: ['kind', 'message'],
  additionalProperties: false,
};

/** The master KME's answer: one result per request, in the same order. */
export const ALLOCATION_RESPONSE_SCHEMA: JSONSchemaType<AllocationResponseDto> = {
  type: 'object',
  properties: {
    results: {
      type: 'array',
      maxItems: MAX_ALLOCATIONS_PER_CALL,
      items: {
        type: 'object',
        properties: {
          keys: { ...allocatedKeysSchema, nullable: true },
          error: { ...allocationErrorSchema, nullable: true },
        },
        required: [],
        additionalProperties: false,
      },
    },
  },
  required: ['results'],
  additionalProperties: false,
};

/** What is wrong in a value: the path and the reason of each problem, each path once. */
export type SchemaProblems = { readonly path: string; readonly reason: string }[];

/** A checked value, typed; or what is wrong in it. */
export type SchemaCheck<T> = { readonly value: T } | { readonly invalid: SchemaProblems };

const ajv = new Ajv({ allErrors: true });

function checker<T>(schema: JSONSchemaType<T>): (payload: unknown) => SchemaCheck<T> {
  const validate = ajv.compile(schema);
  return (payload) => {
    if (validate(payload)) return { value: payload };
    const problems = new Map<string, string>();
    for (const error of validate.errors ?? []) {
      const path = pathOf(error);
      if (!problems.has(path)) problems.set(path, reasonOf(error));
    }
    return { invalid: [...problems].map(([path, reason]) => ({ path, reason })) };
  };
}

/** Checks an allocation call as the master KME receives it. */
export const checkAllocationRequest = checker(ALLOCATION_REQUEST_SCHEMA);

/** Checks the master KME's answer to an allocation call. */
export const checkAllocationResponse = checker(ALLOCATION_RESPONSE_SCHEMA);

/** `requests/0/number`; the member itself for a missing or unknown one. */
function pathOf(error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const member = params.missingProperty ?? params.additionalProperty;
  const path = error.instancePath.slice(1);
  if (member === undefined) return path === '' ? '(the body)' : path;
  return path === '' ? member : `${path}/${member}`;
}

function reasonOf(error: ErrorObject): string {
  if (error.keyword === 'required') return 'is missing';
  if (error.keyword === 'additionalProperties') return 'is not a member of this call';
  return error.message ?? 'is invalid';
}
