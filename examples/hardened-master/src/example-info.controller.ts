import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { KME_SETTINGS, type KmeSettings } from '@app/kme';

class ExampleInfoDto {
  @ApiProperty({ description: 'ID of this KME', example: 'kme-1' })
  readonly kmeId!: string;

  @ApiProperty({ description: 'role of this KME in its pair', example: 'master' })
  readonly role!: string;
}

/** A controller of the application's own, beside the KME's: open, no client certificate. */
@ApiTags('example')
@Controller('example')
export class ExampleInfoController {
  constructor(@Inject(KME_SETTINGS) private readonly settings: KmeSettings) {}

  @Get('info')
  @ApiOkResponse({ type: ExampleInfoDto })
  info(): ExampleInfoDto {
    return { kmeId: this.settings.kmeId, role: this.settings.role };
  }
}
