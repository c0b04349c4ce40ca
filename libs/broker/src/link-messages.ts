import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsString,
  IsUUID,
  Min,
  MaxLength,
  MinLength,
  ValidateNested,
  validateSync,
} from 'class-validator';

/**
 * The link's messages, version 1. The AMQP `type` property names the message, the
 * `x-schema-version` header its version; a receiver refuses anything else.
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

export class MaterialBlockHeaders {
  @IsString()
  @MinLength(1)
  epoch!: string;

  @IsInt()
  @Min(0)
  start!: number;
}

/** Bytes [start, end) of the epoch's stream. */
export class StreamRange {
  @IsInt()
  @Min(0)
  start!: number;

  @IsInt()
  @Min(1)
  end!: number;
}

export class ActivationMessage {
  /** Unique per activation, also across restarts: the slave KME applies each one once. */
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  id!: string;

  @IsString()
  @MinLength(1)
  epoch!: string;

  /** Where the keys' bytes lie, in order; the keys follow each other through them. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => StreamRange)
  ranges!: StreamRange[];

  @IsInt()
  @Min(1)
  keyBytes!: number;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100_000)
  @IsUUID('all', { each: true })
  keyIds!: string[];

  @IsString()
  @MinLength(1)
  masterSaeId!: string;

  @IsArray()
  @ArrayMinSize(1)
  @IsString({ each: true })
  slaveSaeIds!: string[];
}

/** Most activations in one message. */
export const MAX_ACTIVATIONS_PER_MESSAGE = 10_000;

/** Activations of requests answered at about the same time travel in one message. */
export class ActivationsMessage {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ACTIVATIONS_PER_MESSAGE)
  @ValidateNested({ each: true })
  @Type(() => ActivationMessage)
  activations!: ActivationMessage[];
}

export class LinkResetMessage {
  @IsString()
  @MinLength(1)
  epoch!: string;

  @IsInt()
  @Min(0)
  fromOffset!: number;

  /** The slave KME store the reset is for: another store ignores it. */
  @IsString()
  @MinLength(1)
  slaveStoreId!: string;
}

export class BarrierMessage {
  /** Chosen by the slave KME that asked for it. */
  @IsUUID('all')
  id!: string;
}

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
      const headers = validated(MaterialBlockHeaders, raw.headers, raw.type);
      if (raw.content.length === 0) throw new MalformedLinkMessageError('empty material block');
      return { type: raw.type, epoch: headers.epoch, start: headers.start, bytes: raw.content };
    }
    case LinkMessageType.Activations:
      return {
        type: raw.type,
        activations: validated(ActivationsMessage, parseJson(raw.content), raw.type).activations,
      };
    case LinkMessageType.LinkReset:
      return {
        type: raw.type,
        reset: validated(LinkResetMessage, parseJson(raw.content), raw.type),
      };
    case LinkMessageType.Barrier:
      return {
        type: raw.type,
        barrier: validated(BarrierMessage, parseJson(raw.content), raw.type),
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

function validated<T extends object>(schema: new () => T, plain: unknown, type: string): T {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new MalformedLinkMessageError(`${type} is not an object`);
  }
  const instance = plainToInstance(schema, plain);
  const errors = validateSync(instance, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const fields = errors.map((error) => error.property).join(', ');
    throw new MalformedLinkMessageError(`${type} has invalid fields: ${fields}`);
  }
  return instance;
}
