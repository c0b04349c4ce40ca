import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** A fault in force (GET /api/sim/v1/faults). */
@ApiSchema({ name: 'SimulatedActiveFault' })
export class ActiveFaultDto {
  @ApiProperty({ description: 'ID of the fault in this run of the master KME', example: 'fault-1' })
  id!: string;

  @ApiProperty({ enum: ['refuse_requests', 'relay_delay'], example: 'refuse_requests' })
  kind!: 'refuse_requests' | 'relay_delay';

  @ApiPropertyOptional({
    description: 'refuse_requests: key requests to refuse in all',
    example: 3,
  })
  count?: number;

  @ApiPropertyOptional({ description: 'refuse_requests: the KME that refuses', example: 'kme-1' })
  kme_id?: string;

  @ApiPropertyOptional({
    description: 'refuse_requests: still to refuse (at the slave KME: as it last reported)',
    example: 2,
  })
  remaining?: number;

  @ApiPropertyOptional({ description: 'relay_delay: delay of each activation in ms', example: 500 })
  ms?: number;

  @ApiPropertyOptional({ description: 'relay_delay: duration in seconds', example: 30 })
  duration_s?: number;

  @ApiProperty({
    description:
      'Whether the KME it is aimed at has it: a fault at the slave KME is in force once its heartbeat carried it there',
    example: true,
  })
  in_force!: boolean;

  @ApiProperty({ example: '2026-01-01T12:00:00.000Z' })
  created_at!: string;

  @ApiPropertyOptional({
    description: 'relay_delay: when it ends',
    example: '2026-01-01T12:00:30.000Z',
  })
  expires_at?: string;
}
