import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorDto } from '@app/etsi-api';
import { MUTUAL_TLS_SCHEME } from '@app/kme-server';
import {
  ALLOCATIONS_PATH,
  AllocationRequestDto,
  AllocationResponseDto,
  BARRIER_PATH,
  BarrierRequestDto,
  BarrierResponseDto,
  INTERNAL_API_PREFIX,
  INTERNAL_API_TAG,
  LinkSyncRequestDto,
  LinkSyncResponseDto,
  SYNC_PATH,
} from '@app/internal-client';
import { ActivationOutbox } from '../link/activation-outbox.service';
import { SlaveLinkService } from '../link/slave-link.service';
import { AllocationRequestPipe } from './allocation-request.pipe';
import { PeerKmeGuard } from './peer-kme.guard';
import { SlaveAllocationService } from './slave-allocation.service';

/** The KME-to-KME API the slave KME calls; SAE certificates are refused with 401. Not for SAEs. */
@ApiTags(INTERNAL_API_TAG)
@ApiSecurity(MUTUAL_TLS_SCHEME)
@ApiUnauthorizedResponse({ description: 'Not the peer KME certificate', type: ErrorDto })
@ApiBadRequestResponse({ description: 'Bad request format', type: ErrorDto })
@ApiServiceUnavailableResponse({
  description: 'Broker unreachable or link not synchronised',
  type: ErrorDto,
})
@UseGuards(PeerKmeGuard)
@Controller(INTERNAL_API_PREFIX)
export class InternalApiController {
  constructor(
    private readonly slaveLink: SlaveLinkService,
    private readonly allocations: SlaveAllocationService,
    private readonly outbox: ActivationOutbox,
    @Inject(KME_SETTINGS) private readonly settings: KmeSettings,
  ) {}

  @Post(SYNC_PATH)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Heartbeat and synchronisation of the slave KME',
    description:
      "Called about once a second. A slave KME that comes without the link's material (a new key store, or another epoch) starts a new era of the link.",
  })
  @ApiOkResponse({ type: LinkSyncResponseDto })
  sync(@Body() body: LinkSyncRequestDto): Promise<LinkSyncResponseDto> {
    return this.slaveLink.sync(body);
  }

  @Post(BARRIER_PATH)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Put a barrier on the link behind every activation recorded so far',
    description:
      'Answers once the barrier message is on the queue, behind every activation the master KME had recorded when the call arrived: when the slave KME receives it, it has applied them all, so a key ID it still does not know was never handed out.',
  })
  @ApiOkResponse({ type: BarrierResponseDto })
  async barrier(@Body() body: BarrierRequestDto): Promise<BarrierResponseDto> {
    await this.outbox.barrier(body.id, this.settings.peerTimeoutMs);
    return { id: body.id };
  }

  @Post(ALLOCATIONS_PATH)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Allocate keys for an SAE of the slave KME',
    description:
      'The master KME allocates, records the keys for its own slave SAEs and returns where the bytes lie in the shared stream.',
  })
  @ApiOkResponse({ type: AllocationResponseDto })
  allocate(@Body(AllocationRequestPipe) body: AllocationRequestDto): AllocationResponseDto {
    return this.allocations.allocate(body);
  }
}
