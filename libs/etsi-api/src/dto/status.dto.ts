import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** ETSI GS QKD 014 Table 9: Status data format. */
@ApiSchema({ name: 'Status' })
export class StatusDto {
  @ApiProperty({ description: 'KME ID of the KME', example: 'AAAABBBBCCCCDDDD' })
  source_KME_ID!: string;

  @ApiProperty({ description: 'KME ID of the target KME', example: 'EEEEFFFFGGGGHHHH' })
  target_KME_ID!: string;

  @ApiProperty({ description: 'SAE ID of the calling master SAE', example: 'IIIIJJJJKKKKLLLL' })
  master_SAE_ID!: string;

  @ApiProperty({ description: 'SAE ID of the specified slave SAE', example: 'MMMMNNNNOOOOPPPP' })
  slave_SAE_ID!: string;

  @ApiProperty({
    description: 'Default size of key the KME can deliver to the SAE (in bit)',
    example: 352,
  })
  key_size!: number;

  @ApiProperty({ description: 'Number of stored keys KME can deliver to the SAE', example: 25000 })
  stored_key_count!: number;

  @ApiProperty({ description: 'Maximum number of stored_key_count', example: 100000 })
  max_key_count!: number;

  @ApiProperty({ description: 'Maximum number of keys per request', example: 128 })
  max_key_per_request!: number;

  @ApiProperty({
    description: 'Maximum size of key the KME can deliver to the SAE (in bit)',
    example: 1024,
  })
  max_key_size!: number;

  @ApiProperty({
    description: 'Minimum size of key the KME can deliver to the SAE (in bit)',
    example: 64,
  })
  min_key_size!: number;

  @ApiProperty({
    description:
      'Maximum number of additional_slave_SAE_IDs the KME allows. "0" when the KME does not support key multicast',
    example: 0,
  })
  max_SAE_ID_count!: number;

  @ApiPropertyOptional({
    description: '(Option) for future use',
    type: 'object',
    additionalProperties: true,
  })
  status_extension?: Record<string, unknown>;
}
