import { Controller, Get, UseGuards } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorDto, KeyServiceUnavailableError } from '@app/etsi-api';
import { MUTUAL_TLS_SCHEME } from '@app/kme-server';
import { OperatorGuard } from '../auth/operator.guard';
import { LinkStateDto } from '../dto/link-state.dto';
import type { LinkView } from '../link/link-setup';
import { SlaveSimulationState } from '../sync/slave-simulation-state';
import { NotForSaes } from './simulation.controller';
import { SIMULATION_API_PREFIX, SIMULATION_API_TAG } from './simulation-docs';

/** The slave KME's part of the simulation API: the link as the master KME runs it, read-only. */
@ApiTags(SIMULATION_API_TAG)
@ApiSecurity(MUTUAL_TLS_SCHEME)
@NotForSaes()
@UseGuards(OperatorGuard)
@Controller(SIMULATION_API_PREFIX)
export class SlaveSimulationController {
  constructor(private readonly state: SlaveSimulationState) {}

  @Get('link')
  @ApiOperation({
    summary: 'The simulated QKD link now (read-only)',
    description:
      "As the master KME runs it, from the master KME's last heartbeat answer (at most a second old). Change it at the master KME.",
  })
  @ApiOkResponse({ type: LinkStateDto })
  @ApiServiceUnavailableResponse({
    description: 'The master KME has not answered lately',
    type: ErrorDto,
  })
  getLink(): LinkView {
    const link = this.state.linkState();
    if (link === undefined) {
      throw new KeyServiceUnavailableError(
        'the state of the link is unknown here: the master KME has not answered the heartbeat lately',
      );
    }
    return link;
  }
}
