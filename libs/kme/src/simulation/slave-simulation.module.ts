import { Module } from '@nestjs/common';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { SlaveSyncExtension } from '../slave/link/link-sync.service';
import { SlaveSimulationController } from './api/slave-simulation.controller';
import { OperatorGuard } from './auth/operator.guard';
import { RefuseRequestsGate } from './faults/refuse-requests.gate';
import { RequestRefusals } from './faults/request-refusals';
import { SlaveSimulationState } from './sync/slave-simulation-state';

/**
 * The simulation at the slave KME: the link as the master KME runs it (read-only, from the
 * heartbeat), and the refuse_requests faults aimed at this KME.
 */
@Module({
  controllers: [SlaveSimulationController],
  providers: [
    {
      provide: SlaveSimulationState,
      inject: [KME_SETTINGS],
      useFactory: (settings: KmeSettings) => new SlaveSimulationState(settings.kmeId),
    },
    OperatorGuard,
    { provide: RequestRefusals, useExisting: SlaveSimulationState },
    RefuseRequestsGate,
    { provide: SlaveSyncExtension, useExisting: SlaveSimulationState },
  ],
  exports: [SlaveSimulationState, SlaveSyncExtension, RefuseRequestsGate],
})
export class SlaveSimulationModule {}
