import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'Key' })
export class KeyDto {
  @ApiProperty({
    description: 'ID of the key: UUID format',
    example: 'bc490419-7d60-487f-adc1-4ddcc177c139',
  })
  key_ID!: string;

  @ApiPropertyOptional({
    description: '(Option) for future use',
    type: 'object',
    additionalProperties: true,
  })
  key_ID_extension?: Record<string, unknown>;

  @ApiProperty({
    description: 'Key data encoded by base64. The key size is specified by the "size" parameter',
    example: 'wHHVxRwDJs3/bXd38GHP3oe4svTuRpZS0yCC7x4Ly+s=',
  })
  key!: string;

  @ApiPropertyOptional({
    description: '(Option) for future use',
    type: 'object',
    additionalProperties: true,
  })
  key_extension?: Record<string, unknown>;
}

/** ETSI GS QKD 014 Table 11: Key container data format. */
@ApiSchema({ name: 'KeyContainer' })
export class KeyContainerDto {
  @ApiProperty({
    description: 'Array of keys. The number of keys is specified by the "number" parameter',
    type: [KeyDto],
  })
  keys!: KeyDto[];

  @ApiPropertyOptional({
    description: '(Option) for future use',
    type: 'object',
    additionalProperties: true,
  })
  key_container_extension?: Record<string, unknown>;
}
