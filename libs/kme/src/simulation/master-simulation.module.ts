import { Module } from '@nestjs/common';
import { ActivationPublishHook } from '../master/link/activation-outbox.service';
import { LinkSyncExtension } from '../master/link/slave-link.service';
import { MasterKeysModule } from '../master/master-keys.module';
import { SimulationController } from './api/simulation.controller';
import { OperatorGuard } from './auth/operator.guard';
import { FaultBook } from './faults/fault-book.service';
import { MasterRequestRefusals } from './faults/master-request-refusals';
import { RefuseRequestsGate } from './faults/refuse-requests.gate';
import { RelayDelayGate } from './faults/relay-delay.gate';
import { RequestRefusals } from './faults/request-refusals';
import { LinkMetrics } from './link/link-metrics';
import { LinkSimulation } from './link/link-simulation.service';
import { PoolDrain } from './pool/pool-drain.service';
import { ScenarioPlayer } from './scenario/scenario-player.service';
import { MasterLinkSync } from './sync/master-link-sync';

/**
 * The simulated QKD link at the master KME, which runs it: its state (LinkSimulation, which the
 * key source obeys), faults, the pool drain, the scenario player, the link's metrics, and the
 * simulation API for the operator. Hooks into the link (heartbeat, activation relay) through
 * the extension points the link's services declare.
 */
@Module({
  imports: [MasterKeysModule],
  controllers: [SimulationController],
  providers: [
    LinkSimulation,
    FaultBook,
    PoolDrain,
    ScenarioPlayer,
    LinkMetrics,
    OperatorGuard,
    RelayDelayGate,
    MasterLinkSync,
    { provide: RequestRefusals, useClass: MasterRequestRefusals },
    RefuseRequestsGate,
    { provide: ActivationPublishHook, useExisting: RelayDelayGate },
    { provide: LinkSyncExtension, useExisting: MasterLinkSync },
  ],
  exports: [
    LinkSimulation,
    FaultBook,
    ActivationPublishHook,
    LinkSyncExtension,
    RefuseRequestsGate,
  ],
})
export class MasterSimulationModule {}
