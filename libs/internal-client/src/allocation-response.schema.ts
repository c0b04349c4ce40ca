import Ajv, { type ErrorObject, type JSONSchemaType } from 'ajv';
import {
  ALLOCATION_ERROR_KINDS,
  MAX_ALLOCATIONS_PER_CALL,
  type AllocatedKeysDto,
  type AllocationErrorDto,
  type AllocationResponseDto,
  type StreamRangeDto,
} from './internal-api.contract';

/** Any UUID version. */
const UUID_PATTERN =
  '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

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

/**
 * The master KME's answer to an allocation call, checked as strictly as the link's messages: a
 * member the contract does not name is refused. Compiled once: the slave KME checks one answer
 * per batch of enc_keys requests, and class-validator's walk of it cost a tenth of its CPU.
 */
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

const validateResponse = new Ajv({ allErrors: true }).compile(ALLOCATION_RESPONSE_SCHEMA);

/**
 * Checks an allocation answer; returns it typed, or the paths of what is wrong in it
 * (`results/0/keys/keyIds/3`), each once.
 */
export function checkAllocationResponse(
  payload: unknown,
): { readonly response: AllocationResponseDto } | { readonly invalid: string[] } {
  if (validateResponse(payload)) return { response: payload };
  return { invalid: [...new Set((validateResponse.errors ?? []).map(pathOf))] };
}

function pathOf(error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const member = params.missingProperty ?? params.additionalProperty;
  const path = error.instancePath.slice(1);
  if (member === undefined) return path === '' ? '(the answer)' : path;
  return path === '' ? member : `${path}/${member}`;
}
