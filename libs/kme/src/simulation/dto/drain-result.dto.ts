import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** POST /api/sim/v1/pool/drain. */
@ApiSchema({ name: 'SimulatedDrain' })
export class DrainResultDto {
  @ApiProperty({ description: 'Unallocated bits the master KME dropped', example: 1048576 })
  discarded_bits!: number;

  @ApiProperty({
    description: 'Stream offset of the link material from which both KMEs hold material again',
    example: 4194304,
  })
  valid_from_offset!: number;

  @ApiProperty({
    description:
      'Whether the slave KME was told to drop its copy (false before it first synchronised)',
    example: true,
  })
  slave_kme_reset!: boolean;
}
