import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsUUID } from 'class-validator';

/** Query strings arrive as text: only plain integers become numbers, so "1.5" or "x" stay invalid. */
const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?[0-9]{1,15}$/.test(value) ? Number(value) : value;

/** GET enc_keys: only `number` and `size` may be given as query parameters (§6.2). */
export class EncKeysQueryDto {
  @ApiPropertyOptional({
    description: 'Number of keys requested, default value is 1',
    type: 'integer',
    example: 3,
  })
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'number must be an integer' })
  number?: number;

  @ApiPropertyOptional({
    description: 'Size of each key in bits, default value is key_size of Status',
    type: 'integer',
    example: 1024,
  })
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'size must be an integer' })
  size?: number;
}

/** GET dec_keys: exactly one key ID (§6.4). */
export class DecKeysQueryDto {
  @ApiProperty({
    description: 'ID of the key: UUID format',
    example: 'bc490419-7d60-487f-adc1-4ddcc177c139',
  })
  @IsUUID('all', { message: 'key_ID must be exactly one UUID' })
  key_ID!: string;
}
