import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { SlaveSyncExtension } from '../slave/link/link-sync.service';
import { SlaveSimulationController } from './api/slave-simulation.controller';
import { OperatorGuard } from './auth/operator.guard';
import { RefuseRequestsInterceptor } from './faults/refuse-requests.interceptor';
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
    { provide: APP_INTERCEPTOR, useClass: RefuseRequestsInterceptor },
    { provide: SlaveSyncExtension, useExisting: SlaveSimulationState },
  ],
  exports: [SlaveSimulationState, SlaveSyncExtension],
})
export class SlaveSimulationModule {}
