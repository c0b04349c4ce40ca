import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

/** The master KME's KME-to-KME API; only the peer KME's certificate is admitted. */
export const INTERNAL_API_PREFIX = 'api/internal/v1';
export const INTERNAL_API_TAG = 'kme-internal';
export const SYNC_PATH = 'link/sync';
export const ALLOCATIONS_PATH = 'allocations';
export const BARRIER_PATH = 'link/barrier';

/** The slave KME asks for a barrier behind every activation recorded so far. */
export class BarrierRequestDto {
  @ApiProperty({
    description: 'ID of the barrier message, chosen by the slave KME',
    example: '0f8a3c52-7d1e-4c8b-9b1a-2d5e6f7a8b9c',
  })
  @IsUUID('all')
  id!: string;
}

/** The barrier is on the queue: the slave KME will have applied every earlier activation when it arrives. */
export class BarrierResponseDto {
  @ApiProperty({ description: 'ID of the barrier message now on the queue' })
  @IsUUID('all')
  id!: string;
}

/** The simulated QKD link as the master KME sees it, carried to the slave KME by the heartbeat. */
export class SyncedLinkStateDto {
  @ApiProperty({ enum: ['up', 'down'], example: 'up' })
  @IsIn(['up', 'down'])
  quantumChannel!: 'up' | 'down';

  @ApiProperty({ example: false })
  @IsBoolean()
  eavesdropper!: boolean;

  @ApiProperty({ description: 'QBER, 0 to 1', example: 0.01 })
  @IsNumber()
  @Min(0)
  @Max(1)
  qber!: number;

  @ApiProperty({
    description: 'Secret key rate in bits/s; null for a link without a rate limit',
    example: 639000,
    nullable: true,
    type: Number,
  })
  @ValidateIf((o: SyncedLinkStateDto) => o.secretKeyRateBps !== null)
  @IsNumber()
  @Min(0)
  secretKeyRateBps!: number | null;

  @ApiProperty({ example: 100, nullable: true, type: Number })
  @ValidateIf((o: SyncedLinkStateDto) => o.distanceKm !== null)
  @IsNumber()
  @Min(0)
  distanceKm!: number | null;

  @ApiProperty({ example: 'long-haul', nullable: true, type: String })
  @ValidateIf((o: SyncedLinkStateDto) => o.preset !== null)
  @IsString()
  preset!: string | null;

  @ApiProperty({ example: true })
  @IsBoolean()
  generating!: boolean;

  @ApiProperty({ example: null, nullable: true, type: String })
  @ValidateIf((o: SyncedLinkStateDto) => o.reason !== null)
  @IsString()
  reason!: string | null;
}

/** A refuse_requests fault aimed at the slave KME: refuse `count` key requests in all. */
export class SlaveRefusalDto {
  @ApiProperty({ description: 'ID of the fault', example: 'fault-3' })
  @IsString()
  @MinLength(1)
  id!: string;

  @ApiProperty({ description: 'Key requests to refuse in all', example: 5 })
  @IsInt()
  @Min(1)
  count!: number;

  @ApiProperty({
    description:
      'Refused already, as the slave KME last reported (it starts there after a restart)',
    example: 0,
  })
  @IsInt()
  @Min(0)
  refused!: number;
}

/** The simulation's part of a heartbeat answer. */
export class LinkSimulationSyncDto {
  @ApiProperty({ type: SyncedLinkStateDto })
  @ValidateNested()
  @Type(() => SyncedLinkStateDto)
  link!: SyncedLinkStateDto;

  @ApiProperty({
    description: 'Random ID of the master KME run the faults version counts in',
    example: '0c2b8d1f',
  })
  @IsString()
  @MinLength(1)
  faultsRun!: string;

  @ApiProperty({
    description: 'Version of the faults aimed at the slave KME; it reports the one it applied',
    example: 4,
  })
  @IsInt()
  @Min(0)
  faultsVersion!: number;

  @ApiProperty({ type: [SlaveRefusalDto] })
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => SlaveRefusalDto)
  refusals!: SlaveRefusalDto[];
}

/** How many key requests the slave KME refused for one fault. */
export class RefusalCountDto {
  @ApiProperty({ example: 'fault-3' })
  @IsString()
  @MinLength(1)
  id!: string;

  @ApiProperty({ example: 2 })
  @IsInt()
  @Min(0)
  refused!: number;
}

/** The simulation's part of a hello: what the slave KME applied, and did. */
export class SimulationReportDto {
  @ApiPropertyOptional({
    description: 'The master KME run of that version; absent before the first answer',
    example: '0c2b8d1f',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  faultsRun?: string;

  @ApiProperty({ description: 'The faults version the slave KME applied last', example: 4 })
  @IsInt()
  @Min(0)
  faultsVersion!: number;

  @ApiProperty({ type: [RefusalCountDto] })
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => RefusalCountDto)
  refused!: RefusalCountDto[];
}

export class LinkSyncRequestDto {
  @ApiProperty({
    description:
      "ID of the slave KME's key store: a new one means the slave KME lost its copy of the material",
    example: '5b0b2c4e-4f0e-4a53-9b8e-0c2b8d1f2a11',
  })
  @IsString()
  @MinLength(1)
  slaveStoreId!: string;

  @ApiProperty({
    description: 'Whether the slave KME is consuming the link queue right now',
    example: true,
  })
  @IsBoolean()
  consuming!: boolean;

  @ApiPropertyOptional({
    description: 'Epoch of the material the slave KME holds; absent before its first link reset',
    example: 'c0d6a1a2-…',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  epoch?: string;

  @ApiProperty({
    description: 'End of the material the slave KME received in its era (stream offset)',
    example: 1048576,
  })
  @IsInt()
  @Min(0)
  receivedEnd!: number;

  @ApiPropertyOptional({
    description: "The slave KME's report on the simulated link's faults aimed at it",
    type: SimulationReportDto,
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => SimulationReportDto)
  simulation?: SimulationReportDto;
}

export class LinkSyncResponseDto {
  @ApiProperty({
    description: 'Current epoch (run) of the master KME key source',
    example: 'c0d6a1a2-…',
  })
  @IsString()
  @MinLength(1)
  epoch!: string;

  @ApiProperty({
    description:
      'True while a link reset for this slave KME store is on its way on the queue: keys cannot be shared until it arrives',
    example: false,
  })
  @IsBoolean()
  reset!: boolean;

  @ApiPropertyOptional({
    description: 'The simulated link and the faults aimed at the slave KME',
    type: LinkSimulationSyncDto,
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => LinkSimulationSyncDto)
  simulation?: LinkSimulationSyncDto;
}

/*
 * The allocation call's DTOs document it; the KMEs check it against ALLOCATION_REQUEST_SCHEMA and
 * ALLOCATION_RESPONSE_SCHEMA (allocation-schemas.ts), which a test keeps in step with them.
 */

/** One enc_keys request of an SAE of the slave KME. */
export class AllocationItemDto {
  @ApiProperty({
    description: 'Master SAE of the keys (attached to the slave KME)',
    example: 'sae-2',
  })
  masterSaeId!: string;

  @ApiProperty({ description: 'Slave SAEs of the keys', example: ['sae-1'], type: [String] })
  slaveSaeIds!: string[];

  @ApiProperty({ description: 'Number of keys', example: 1 })
  number!: number;

  @ApiProperty({ description: 'Size of each key in bits (multiple of 8)', example: 256 })
  size!: number;
}

/** Most enc_keys requests in one allocation call. */
export const MAX_ALLOCATIONS_PER_CALL = 10_000;

/** The enc_keys requests the slave KME received at about the same time, allocated in one call. */
export class AllocationRequestDto {
  @ApiProperty({
    description: 'The slave KME store that asks; must be the synchronised one',
    example: '5b0b2c4e-…',
  })
  slaveStoreId!: string;

  @ApiProperty({
    description: 'The requests, each allocated on its own',
    type: [AllocationItemDto],
  })
  requests!: AllocationItemDto[];
}

export class StreamRangeDto {
  @ApiProperty({ example: 4096 })
  start!: number;

  @ApiProperty({ example: 4128 })
  end!: number;
}

export class AllocatedKeysDto {
  @ApiProperty({ description: 'Epoch of the material', example: 'c0d6a1a2-…' })
  epoch!: string;

  @ApiProperty({
    description: 'Byte ranges [start, end) of the stream holding the keys, in order',
    type: [StreamRangeDto],
  })
  ranges!: StreamRangeDto[];

  @ApiProperty({ description: 'Bytes per key; keys follow each other from start', example: 32 })
  keyBytes!: number;

  @ApiProperty({ description: 'Key IDs, in stream order', type: [String] })
  keyIds!: string[];
}

/** Why the master KME refused one request: the domain error, as it travels between the KMEs. */
export const ALLOCATION_ERROR_KINDS = [
  'invalid_request',
  'insufficient_material',
  'unavailable',
] as const;
export type AllocationErrorKind = (typeof ALLOCATION_ERROR_KINDS)[number];

export class AllocationErrorDto {
  @ApiProperty({ enum: ALLOCATION_ERROR_KINDS, example: 'insufficient_material' })
  kind!: AllocationErrorKind;

  @ApiProperty({ description: 'Why', example: 'not enough key material: …' })
  message!: string;

  @ApiPropertyOptional({
    description: 'The ETSI Error details of an invalid request',
    type: 'array',
    items: { type: 'object', additionalProperties: { type: 'string' } },
  })
  details?: Record<string, string>[];

  @ApiPropertyOptional({ description: 'Of insufficient material: bytes asked for, bytes held' })
  bytes?: [requested: number, available: number];
}

/** Exactly one of `keys` and `error` is set. */
export class AllocationResultDto {
  @ApiPropertyOptional({ type: AllocatedKeysDto })
  keys?: AllocatedKeysDto;

  @ApiPropertyOptional({ type: AllocationErrorDto })
  error?: AllocationErrorDto;
}

export class AllocationResponseDto {
  @ApiProperty({
    description: 'One result per request, in the same order',
    type: [AllocationResultDto],
  })
  results!: AllocationResultDto[];
}
