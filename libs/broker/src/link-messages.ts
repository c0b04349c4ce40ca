import Ajv, { type ErrorObject, type JSONSchemaType, type ValidateFunction } from 'ajv';
import { UUID_PATTERN } from '@app/key-pool';

/**
 * The link's messages, version 1. The AMQP `type` property names the message, the
 * `x-schema-version` header its version; a receiver refuses anything else.
 *
 * Each body is checked against a JSON Schema compiled once (Ajv): the slave KME checks every
 * activation it receives, and class-validator's per-object metadata walk cost a quarter of its
 * CPU under load. The schemas are typed against the interfaces, so the two cannot drift apart.
 */
export const SCHEMA_VERSION = 1;
export const SCHEMA_VERSION_HEADER = 'x-schema-version';

export enum LinkMessageType {
  /** Raw key material: the body is the bytes, position in the headers. */
  MaterialBlock = 'qkd.material-block',
  /** Key IDs the master KME cut from ranges: the slave KME cuts the same ranges. */
  Activations = 'qkd.activations',
  /** A new era of the link: material before it is void. */
  LinkReset = 'qkd.link-reset',
  /**
   * Asked for by the slave KME, sent behind every activation the master KME had recorded: when
   * it arrives, the slave KME has applied them all.
   */
  Barrier = 'qkd.barrier',
}

/** Where a material block lies in its epoch's stream; carried in the message's headers. */
export interface MaterialBlockHeaders {
  epoch: string;
  start: number;
}

/** Bytes [start, end) of the epoch's stream. */
export interface StreamRange {
  start: number;
  end: number;
}

export interface ActivationMessage {
  /** Unique per activation, also across restarts: the slave KME applies each one once. */
  id: string;
  epoch: string;
  /** Where the keys' bytes lie, in order; the keys follow each other through them. */
  ranges: StreamRange[];
  keyBytes: number;
  keyIds: string[];
  masterSaeId: string;
  slaveSaeIds: string[];
}

/** Most activations in one message. */
export const MAX_ACTIVATIONS_PER_MESSAGE = 10_000;

/** Activations of requests answered at about the same time travel in one message. */
export interface ActivationsMessage {
  activations: ActivationMessage[];
}

export interface LinkResetMessage {
  epoch: string;
  fromOffset: number;
  /** The slave KME store the reset is for: another store ignores it. */
  slaveStoreId: string;
}

export interface BarrierMessage {
  /** Chosen by the slave KME that asked for it. */
  id: string;
}

const nonEmpty = { type: 'string', minLength: 1 } as const;
const offset = { type: 'integer', minimum: 0 } as const;

const materialBlockHeadersSchema: JSONSchemaType<MaterialBlockHeaders> = {
  type: 'object',
  properties: { epoch: nonEmpty, start: offset },
  required: ['epoch', 'start'],
};

const activationSchema: JSONSchemaType<ActivationMessage> = {
  type: 'object',
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 200 },
    epoch: nonEmpty,
    ranges: {
      type: 'array',
      minItems: 1,
      maxItems: 10_000,
      items: {
        type: 'object',
        properties: { start: offset, end: { type: 'integer', minimum: 1 } },
        required: ['start', 'end'],
      },
    },
    keyBytes: { type: 'integer', minimum: 1 },
    keyIds: {
      type: 'array',
      minItems: 1,
      maxItems: 100_000,
      items: { type: 'string', pattern: UUID_PATTERN },
    },
    masterSaeId: nonEmpty,
    slaveSaeIds: { type: 'array', minItems: 1, items: { type: 'string' } },
  },
  required: ['id', 'epoch', 'ranges', 'keyBytes', 'keyIds', 'masterSaeId', 'slaveSaeIds'],
};

const activationsSchema: JSONSchemaType<ActivationsMessage> = {
  type: 'object',
  properties: {
    activations: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_ACTIVATIONS_PER_MESSAGE,
      items: activationSchema,
    },
  },
  required: ['activations'],
};

const linkResetSchema: JSONSchemaType<LinkResetMessage> = {
  type: 'object',
  properties: { epoch: nonEmpty, fromOffset: offset, slaveStoreId: nonEmpty },
  required: ['epoch', 'fromOffset', 'slaveStoreId'],
};

const barrierSchema: JSONSchemaType<BarrierMessage> = {
  type: 'object',
  properties: { id: { type: 'string', pattern: UUID_PATTERN } },
  required: ['id'],
};

// allErrors: a refusal names every invalid field, not just the first.
const ajv = new Ajv({ allErrors: true });
const validateMaterialBlockHeaders = ajv.compile(materialBlockHeadersSchema);
const validateActivations = ajv.compile(activationsSchema);
const validateLinkReset = ajv.compile(linkResetSchema);
const validateBarrier = ajv.compile(barrierSchema);

export type LinkMessage =
  | {
      readonly type: LinkMessageType.MaterialBlock;
      readonly epoch: string;
      readonly start: number;
      readonly bytes: Buffer;
    }
  | { readonly type: LinkMessageType.Activations; readonly activations: ActivationMessage[] }
  | { readonly type: LinkMessageType.LinkReset; readonly reset: LinkResetMessage }
  | { readonly type: LinkMessageType.Barrier; readonly barrier: BarrierMessage };

/** Why a message was refused; it goes to the dead-letter queue with this reason logged. */
export class MalformedLinkMessageError extends Error {
  constructor(reason: string) {
    super(`malformed link message: ${reason}`);
    this.name = 'MalformedLinkMessageError';
  }
}

export interface RawLinkMessage {
  readonly content: Buffer;
  readonly type?: string;
  readonly headers?: Record<string, unknown>;
}

/** Parses and validates a received message; throws MalformedLinkMessageError otherwise. */
export function decodeLinkMessage(raw: RawLinkMessage): LinkMessage {
  const version = raw.headers?.[SCHEMA_VERSION_HEADER];
  if (version !== SCHEMA_VERSION) {
    throw new MalformedLinkMessageError(`unsupported schema version ${String(version)}`);
  }
  switch (raw.type) {
    case LinkMessageType.MaterialBlock: {
      const headers = validated(validateMaterialBlockHeaders, raw.headers, raw.type);
      if (raw.content.length === 0) throw new MalformedLinkMessageError('empty material block');
      return { type: raw.type, epoch: headers.epoch, start: headers.start, bytes: raw.content };
    }
    case LinkMessageType.Activations:
      return {
        type: raw.type,
        activations: validated(validateActivations, parseJson(raw.content), raw.type).activations,
      };
    case LinkMessageType.LinkReset:
      return {
        type: raw.type,
        reset: validated(validateLinkReset, parseJson(raw.content), raw.type),
      };
    case LinkMessageType.Barrier:
      return {
        type: raw.type,
        barrier: validated(validateBarrier, parseJson(raw.content), raw.type),
      };
    default:
      throw new MalformedLinkMessageError(`unknown message type ${String(raw.type)}`);
  }
}

function parseJson(content: Buffer): unknown {
  try {
    return JSON.parse(content.toString('utf8'));
  } catch {
    throw new MalformedLinkMessageError('body is not JSON');
  }
}

function validated<T>(validate: ValidateFunction<T>, plain: unknown, type: string): T {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new MalformedLinkMessageError(`${type} is not an object`);
  }
  if (!validate(plain)) {
    throw new MalformedLinkMessageError(
      `${type} has invalid fields: ${invalidFields(validate.errors ?? []).join(', ')}`,
    );
  }
  return plain;
}

/** The top-level members the errors are about, each once, in the order found. */
function invalidFields(errors: readonly ErrorObject[]): string[] {
  const fields = errors.map((error) => {
    const member = error.instancePath.split('/')[1];
    if (member !== undefined) return member;
    const params = error.params as { missingProperty?: string };
    return params.missingProperty ?? '(the message)';
  });
  return [...new Set(fields)];
}
