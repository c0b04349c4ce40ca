import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** ETSI GS QKD 014 Table 13: Error data format, the body of every non-2xx answer. */
@ApiSchema({ name: 'Error' })
export class ErrorDto {
  @ApiProperty({ description: 'Error message', example: 'size shall be a multiple of 8' })
  message!: string;

  @ApiPropertyOptional({
    description:
      'Array to supply additional detailed error information specified as name/value pairs',
    example: [{ extension_mandatory_unsupported: 'abc_route_type is not supported' }],
    type: 'array',
    items: { type: 'object', additionalProperties: true },
  })
  details?: Record<string, unknown>[];
}
