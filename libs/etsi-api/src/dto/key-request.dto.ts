import { ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { TolerantReader } from '../validation/tolerant-reader';
import { IsArray, IsInt, IsObject, IsString, ValidateIf } from 'class-validator';

/** Optional, but not null: a field sent as null is refused like every other non-integer. */
const IsPresentOrAbsent = () => ValidateIf((_: unknown, value: unknown) => value !== undefined);

/** ETSI GS QKD 014 Table 10: Key request data format (POST enc_keys). All fields optional. */
@ApiSchema({ name: 'KeyRequest' })
@TolerantReader()
export class KeyRequestDto {
  @ApiPropertyOptional({
    description: 'Number of keys requested, default value is 1',
    type: 'integer',
    example: 3,
    minimum: 1,
  })
  @IsPresentOrAbsent()
  @IsInt({ message: 'number must be an integer' })
  number?: number;

  @ApiPropertyOptional({
    description:
      'Size of each key in bits, default value is defined as key_size in Status data format',
    type: 'integer',
    example: 1024,
  })
  @IsPresentOrAbsent()
  @IsInt({ message: 'size must be an integer' })
  size?: number;

  @ApiPropertyOptional({
    description:
      'Array of IDs of slave SAEs. It is used for specifying two or more slave SAEs to share identical keys. The maximum number of IDs is defined as max_SAE_ID_count in Status data format',
    example: ['ABCDEFG', 'HIJKLMN'],
    type: [String],
  })
  @IsPresentOrAbsent()
  @IsArray({ message: 'additional_slave_SAE_IDs must be an array of SAE IDs' })
  @IsString({ each: true, message: 'additional_slave_SAE_IDs must contain only strings' })
  additional_slave_SAE_IDs?: string[];

  @ApiPropertyOptional({
    description:
      'Array of extension parameters specified as name/value pairs that KME shall handle or return an error',
    example: [{ abc_route_type: 'direct' }, { abc_transfer_method: 'qkd' }],
    type: 'array',
    items: { type: 'object', additionalProperties: true },
  })
  @IsPresentOrAbsent()
  @IsArray({ message: 'extension_mandatory must be an array of objects' })
  @IsObject({ each: true, message: 'extension_mandatory must contain only objects' })
  extension_mandatory?: Record<string, unknown>[];

  @ApiPropertyOptional({
    description: 'Array of extension parameters specified as name/value pairs that KME may ignore',
    example: [{ abc_max_age: 30000 }],
    type: 'array',
    items: { type: 'object', additionalProperties: true },
  })
  @IsPresentOrAbsent()
  @IsArray({ message: 'extension_optional must be an array of objects' })
  @IsObject({ each: true, message: 'extension_optional must contain only objects' })
  extension_optional?: Record<string, unknown>[];
}
