import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Patch,
  Post,
  UseGuards,
  applyDecorators,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { ErrorDto } from '@app/etsi-api';
import { MUTUAL_TLS_SCHEME } from '@app/kme-server';
import { Operator, OperatorGuard } from '../auth/operator.guard';
import { ActiveFaultDto } from '../dto/active-fault.dto';
import { DrainResultDto } from '../dto/drain-result.dto';
import { FaultSpecDto } from '../dto/fault-spec.dto';
import { LinkPatchDto } from '../dto/link-patch.dto';
import { LinkStateDto } from '../dto/link-state.dto';
import { ScenarioStatusDto } from '../dto/scenario-status.dto';
import { FaultBook, type ActiveFaultView } from '../faults/fault-book.service';
import { faultSpecOf } from '../faults/fault-spec';
import { LinkSimulation } from '../link/link-simulation.service';
import type { LinkView } from '../link/link-setup';
import { PoolDrain, type DrainResult } from '../pool/pool-drain.service';
import { ScenarioPlayer, type ScenarioStatus } from '../scenario/scenario-player.service';
import { SIMULATION_API_PREFIX, SIMULATION_API_TAG } from './simulation-docs';

export const NotForSaes = () =>
  applyDecorators(
    ApiUnauthorizedResponse({
      description: 'Not the operator certificate',
      type: ErrorDto,
      example: {
        message:
          "certificate CN=sae-1 is not the operator's: the simulation API admits only the operator certificate",
      },
    }),
  );

/**
 * The master KME's simulation API, for the operator certificate only: the simulated link
 * (read, change), the pool (drain), faults (add, list, clear) and the scenario being played.
 * Translates HTTP to the simulation's services and back; who changed what is logged there.
 */
@ApiTags(SIMULATION_API_TAG)
@ApiSecurity(MUTUAL_TLS_SCHEME)
@NotForSaes()
@UseGuards(OperatorGuard)
@Controller(SIMULATION_API_PREFIX)
export class SimulationController {
  constructor(
    @Inject(KME_SETTINGS) private readonly settings: KmeSettings,
    private readonly link: LinkSimulation,
    private readonly faults: FaultBook,
    private readonly pool: PoolDrain,
    private readonly scenario: ScenarioPlayer,
  ) {}

  @Get('link')
  @ApiOperation({
    summary: 'The simulated QKD link now',
    description: 'QBER and secret key rate from the link model, the faults on the quantum channel.',
  })
  @ApiOkResponse({ type: LinkStateDto })
  getLink(): LinkView {
    return this.link.linkState();
  }

  @Patch('link')
  @ApiOperation({
    summary: 'Change the simulated QKD link',
    description:
      'Any of quantum_channel, eavesdropper, distance_km, preset, key_rate_bps; what is absent stays. key_rate_bps sets a fixed rate without physics; preset and distance_km a link modelled from physics. Answers the link afterwards.',
  })
  @ApiOkResponse({ type: LinkStateDto })
  @ApiBadRequestResponse({
    description: 'A bad value, or members that do not fit together; details name the member',
    type: ErrorDto,
    example: {
      message: 'eavesdropper must be true or false',
      details: [{ eavesdropper: 'eavesdropper must be true or false' }],
    },
  })
  setLink(@Body() patch: LinkPatchDto, @Operator() who: string): LinkView {
    return this.link.change(patch, who);
  }

  @Post('pool/drain')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Drop the unused key material of both KMEs',
    description:
      'Keys already handed out stay valid. Until the link refills, enc_keys answers 503 with Retry-After.',
  })
  @ApiOkResponse({ type: DrainResultDto })
  @ApiServiceUnavailableResponse({
    description: 'Activations still on their way held the slave KME part back',
    type: ErrorDto,
  })
  drain(@Operator() who: string): Promise<DrainResult> {
    return this.pool.drain(who);
  }

  @Post('faults')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Add a fault',
    description:
      'refuse_requests {count, kme_id?}: the next count key requests (enc_keys, dec_keys) at that KME (default the master KME) answer 503 with Retry-After. relay_delay {ms, duration_s}: activations reach the slave KME ms late for duration_s seconds (read-your-writes holds while ms ≤ KEY_ID_WAIT_MS). A fault at the slave KME is answered once its heartbeat carried it there (in_force), or after PEER_TIMEOUT_MS.',
  })
  @ApiCreatedResponse({ type: ActiveFaultDto })
  @ApiBadRequestResponse({ description: 'A bad fault; details name the member', type: ErrorDto })
  async addFault(@Body() body: FaultSpecDto, @Operator() who: string): Promise<ActiveFaultView> {
    const added = this.faults.add(faultSpecOf(body), who);
    if (added.in_force) return added;
    await this.faults.untilSlaveApplied(this.faults.versionForSlave, this.settings.peerTimeoutMs);
    return (
      this.faults.list().find((fault) => fault.id === added.id) ?? { ...added, in_force: true }
    );
  }

  @Get('faults')
  @ApiOperation({ summary: 'The faults in force' })
  @ApiOkResponse({ type: [ActiveFaultDto] })
  listFaults(): ActiveFaultView[] {
    return this.faults.list();
  }

  @Delete('faults')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Clear every fault',
    description: 'Answered once the slave KME dropped its faults too, or after PEER_TIMEOUT_MS.',
  })
  @ApiNoContentResponse({ description: 'Cleared' })
  async clearFaults(@Operator() who: string): Promise<void> {
    this.faults.clear(who);
    await this.faults.untilSlaveApplied(this.faults.versionForSlave, this.settings.peerTimeoutMs);
  }

  @Get('scenario')
  @ApiOperation({
    summary: 'The scenario being played',
    description: 'SCENARIO_FILE: its steps, when each was applied; file null without one.',
  })
  @ApiOkResponse({ type: ScenarioStatusDto })
  getScenario(): ScenarioStatus {
    return this.scenario.status();
  }
}
