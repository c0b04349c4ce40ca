import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** GET /api/sim/v1/link: the simulated QKD link now. */
@ApiSchema({ name: 'SimulatedLink' })
export class LinkStateDto {
  @ApiProperty({
    description: 'The quantum channel (the fibre)',
    enum: ['up', 'down'],
    example: 'up',
  })
  quantum_channel!: 'up' | 'down';

  @ApiProperty({
    description: 'An intercept-resend eavesdropper on every pulse',
    example: false,
  })
  eavesdropper!: boolean;

  @ApiProperty({ description: 'Quantum bit error rate, 0 to 1', example: 0.0101 })
  qber!: number;

  @ApiProperty({
    description:
      'Secret key rate in bits/s: 0 while not generating; null for a link without a rate limit (KEY_RATE_BPS=0)',
    example: 639000,
    type: Number,
    nullable: true,
  })
  secret_key_rate_bps!: number | null;

  @ApiProperty({
    description: 'Fibre length in km; null for a fixed-rate link (KEY_RATE_BPS)',
    example: 100,
    type: Number,
    nullable: true,
  })
  distance_km!: number | null;

  @ApiProperty({
    description: 'The preset the link parameters start from; null for a fixed-rate or custom link',
    example: 'long-haul',
    type: String,
    nullable: true,
  })
  preset!: string | null;

  @ApiProperty({ description: 'Whether the link produces key now', example: true })
  generating!: boolean;

  @ApiProperty({
    description: 'Why the link does not produce key; null while it does',
    example: null,
    type: String,
    nullable: true,
  })
  reason!: string | null;
}
