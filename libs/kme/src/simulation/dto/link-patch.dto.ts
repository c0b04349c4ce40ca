import { ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsNumber, Max, Min } from 'class-validator';
import { LINK_PRESETS } from '@app/link-model';
import type { LinkChange } from '../link/link-setup';
import { IsPresentOrAbsent } from './present-or-absent';

const PRESETS = Object.keys(LINK_PRESETS);

/** PATCH /api/sim/v1/link: any of these; what is absent stays as it is. */
@ApiSchema({ name: 'SimulatedLinkPatch' })
export class LinkPatchDto implements LinkChange {
  @ApiPropertyOptional({ enum: ['up', 'down'], example: 'down' })
  @IsPresentOrAbsent()
  @IsIn(['up', 'down'], { message: 'quantum_channel must be up or down' })
  quantum_channel?: 'up' | 'down';

  @ApiPropertyOptional({
    description:
      'An intercept-resend eavesdropper on every pulse: the QBER rises above the abort threshold',
    example: true,
  })
  @IsPresentOrAbsent()
  @IsBoolean({ message: 'eavesdropper must be true or false' })
  eavesdropper?: boolean;

  @ApiPropertyOptional({
    description: 'Fibre length in km (a link modelled from physics: a preset, or LINK_PRESET)',
    example: 80,
    minimum: 0,
    maximum: 1000,
  })
  @IsPresentOrAbsent()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'distance_km must be a number' })
  @Min(0, { message: 'distance_km must be between 0 and 1000' })
  @Max(1000, { message: 'distance_km must be between 0 and 1000' })
  distance_km?: number;

  @ApiPropertyOptional({
    description: 'A named link: its physics replaces the link (distance included)',
    enum: PRESETS,
    example: 'metro',
  })
  @IsPresentOrAbsent()
  @IsIn(PRESETS, { message: `preset must be one of ${PRESETS.join(', ')}` })
  preset?: string;

  @ApiPropertyOptional({
    description: 'A fixed secret key rate in bits/s, no physics (0: as fast as the machine allows)',
    example: 64000,
    minimum: 0,
  })
  @IsPresentOrAbsent()
  @IsInt({ message: 'key_rate_bps must be an integer of 0 or more' })
  @Min(0, { message: 'key_rate_bps must be an integer of 0 or more' })
  @Max(1e12, { message: 'key_rate_bps must be at most 1000000000000' })
  key_rate_bps?: number;
}
