import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsObject,
  IsOptional,
  IsUUID,
  ValidateNested,
} from 'class-validator';
import { TolerantReader } from '../validation/tolerant-reader';

@ApiSchema({ name: 'KeyID' })
export class KeyIdDto {
  @ApiProperty({
    description: 'ID of the key: UUID format',
    example: 'bc490419-7d60-487f-adc1-4ddcc177c139',
  })
  @IsUUID('all', { message: 'key_ID must be a UUID' })
  key_ID!: string;

  @ApiPropertyOptional({
    description: '(Option) for future use',
    type: 'object',
    additionalProperties: true,
  })
  @IsOptional()
  @IsObject({ message: 'key_ID_extension must be an object' })
  key_ID_extension?: Record<string, unknown>;
}

/** ETSI GS QKD 014 Table 12: Key IDs data format (POST dec_keys). */
@ApiSchema({ name: 'KeyIDs' })
@TolerantReader()
export class KeyIdsDto {
  @ApiProperty({ description: 'Array of key IDs', type: [KeyIdDto] })
  @IsArray({ message: 'key_IDs must be an array of {"key_ID": <UUID>} objects' })
  @ArrayNotEmpty({ message: 'key_IDs must name at least one key' })
  @ValidateNested({ each: true })
  @Type(() => KeyIdDto)
  key_IDs!: KeyIdDto[];

  @ApiPropertyOptional({
    description: '(Option) for future use',
    type: 'object',
    additionalProperties: true,
  })
  @IsOptional()
  @IsObject({ message: 'key_IDs_extension must be an object' })
  key_IDs_extension?: Record<string, unknown>;
}
