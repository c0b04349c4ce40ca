import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsIn, IsInt, IsNumber, IsString, Matches, Max, Min } from 'class-validator';
import { FAULT_KINDS, type FaultMembers } from '../faults/fault-spec';
import { IsPresentOrAbsent } from './present-or-absent';

/**
 * POST /api/sim/v1/faults: `{kind: "refuse_requests", count, kme_id?}` or
 * `{kind: "relay_delay", ms, duration_s}`.
 */
@ApiSchema({ name: 'SimulatedFault' })
export class FaultSpecDto implements FaultMembers {
  @ApiProperty({ enum: FAULT_KINDS, example: 'refuse_requests' })
  @IsIn(FAULT_KINDS, { message: `kind must be one of ${FAULT_KINDS.join(', ')}` })
  kind!: FaultMembers['kind'];

  @ApiPropertyOptional({
    description: 'refuse_requests: how many key requests (enc_keys, dec_keys) answer 503',
    example: 3,
    minimum: 1,
  })
  @IsPresentOrAbsent()
  @IsInt({ message: 'count must be an integer from 1 to 1000000' })
  @Min(1, { message: 'count must be an integer from 1 to 1000000' })
  @Max(1_000_000, { message: 'count must be an integer from 1 to 1000000' })
  count?: number;

  @ApiPropertyOptional({
    description: 'refuse_requests: the KME that refuses; default the master KME',
    example: 'kme-2',
  })
  @IsPresentOrAbsent()
  @IsString({ message: 'kme_id must be a KME ID' })
  @Matches(/^[A-Za-z0-9._:-]+$/, { message: 'kme_id must be a KME ID' })
  kme_id?: string;

  @ApiPropertyOptional({
    description: 'relay_delay: how late activations reach the slave KME, in ms',
    example: 500,
    minimum: 1,
    maximum: 60000,
  })
  @IsPresentOrAbsent()
  @IsInt({ message: 'ms must be an integer from 1 to 60000' })
  @Min(1, { message: 'ms must be an integer from 1 to 60000' })
  @Max(60_000, { message: 'ms must be an integer from 1 to 60000' })
  ms?: number;

  @ApiPropertyOptional({
    description: 'relay_delay: for how long, in seconds',
    example: 30,
    maximum: 86400,
  })
  @IsPresentOrAbsent()
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'duration_s must be a number of seconds above 0, at most 86400' },
  )
  @Min(0.001, { message: 'duration_s must be a number of seconds above 0, at most 86400' })
  @Max(86_400, { message: 'duration_s must be a number of seconds above 0, at most 86400' })
  duration_s?: number;
}
