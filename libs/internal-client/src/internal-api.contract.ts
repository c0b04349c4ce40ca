import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsString,
  IsUUID,
  Max,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

/** The master KME's KME-to-KME API; only the peer KME's certificate is admitted. */
export const INTERNAL_API_PREFIX = 'api/internal/v1';
export const INTERNAL_API_TAG = 'kme-internal';
export const SYNC_PATH = 'link/sync';
export const ALLOCATIONS_PATH = 'allocations';

export class LinkSyncRequestDto {
  @ApiProperty({
    description: 'Random ID of this run of the slave KME',
    example: '5b0b2c4e-4f0e-4a53-9b8e-0c2b8d1f2a11',
  })
  @IsString()
  @MinLength(1)
  slaveInstanceId!: string;

  @ApiProperty({
    description: 'Whether the slave KME is consuming the link queue right now',
    example: true,
  })
  @IsBoolean()
  consuming!: boolean;
}

export class LinkSyncResponseDto {
  @ApiProperty({
    description: 'Current epoch (run) of the master KME key source',
    example: 'c0d6a1a2-…',
  })
  epoch!: string;

  @ApiProperty({
    description: 'True when this call started a new era: a link-reset message follows on the queue',
    example: false,
  })
  reset!: boolean;
}

/** One enc_keys request of an SAE of the slave KME. */
export class AllocationItemDto {
  @ApiProperty({
    description: 'Master SAE of the keys (attached to the slave KME)',
    example: 'sae-2',
  })
  @IsString()
  @MinLength(1)
  masterSaeId!: string;

  @ApiProperty({ description: 'Slave SAEs of the keys', example: ['sae-1'], type: [String] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  slaveSaeIds!: string[];

  @ApiProperty({ description: 'Number of keys', example: 1 })
  @IsInt()
  @Min(1)
  @Max(100_000)
  number!: number;

  @ApiProperty({ description: 'Size of each key in bits (multiple of 8)', example: 256 })
  @IsInt()
  @Min(8)
  @Max(1_048_576)
  size!: number;
}

/** Most enc_keys requests in one allocation call. */
export const MAX_ALLOCATIONS_PER_CALL = 10_000;

/** The enc_keys requests the slave KME received at about the same time, allocated in one call. */
export class AllocationRequestDto {
  @ApiProperty({
    description: 'Idempotency key: a repeated request gets the first answer',
    example: '0b8a1c1e-6d7e-4c3f-9a55-1b1f5b0a6d3c',
  })
  @IsUUID('all')
  requestId!: string;

  @ApiProperty({
    description: 'The slave KME run that asks; must be the synchronised one',
    example: '5b0b2c4e-…',
  })
  @IsString()
  @MinLength(1)
  slaveInstanceId!: string;

  @ApiProperty({
    description: 'The requests, each allocated on its own',
    type: [AllocationItemDto],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ALLOCATIONS_PER_CALL)
  @ValidateNested({ each: true })
  @Type(() => AllocationItemDto)
  requests!: AllocationItemDto[];
}

export class AllocatedKeysDto {
  @ApiProperty({ description: 'Epoch of the material', example: 'c0d6a1a2-…' })
  epoch!: string;

  @ApiProperty({
    description: 'Byte ranges [start, end) of the stream holding the keys, in order',
    example: [{ start: 4096, end: 4128 }],
  })
  ranges!: { start: number; end: number }[];

  @ApiProperty({ description: 'Bytes per key; keys follow each other from start', example: 32 })
  keyBytes!: number;

  @ApiProperty({ description: 'Key IDs, in stream order', type: [String] })
  keyIds!: string[];
}

export class AllocationErrorDto {
  @ApiProperty({ description: 'HTTP status the request would have had on its own', example: 503 })
  status!: number;

  @ApiProperty({ description: 'Why', example: 'not enough key material: …' })
  message!: string;
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
