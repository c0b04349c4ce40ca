import { Injectable } from '@nestjs/common';
import type { LinkSimulationSyncDto, LinkSyncRequestDto } from '@app/internal-client';
import { LinkSyncExtension } from '../../master/link/slave-link.service';
import { FaultBook } from '../faults/fault-book.service';
import { LinkSimulation } from '../link/link-simulation.service';
import { syncedLinkOf } from './synced-link';

/**
 * The master KME's side of the simulation in the heartbeat: reads what the slave KME refused and
 * which faults it applied, and answers with the link now and the faults aimed at the slave KME.
 * The heartbeat already runs every second over the KME-to-KME API's mutual TLS, so the slave KME
 * learns both within a second without a call or a message of its own.
 */
@Injectable()
export class MasterLinkSync extends LinkSyncExtension {
  constructor(
    private readonly link: LinkSimulation,
    private readonly book: FaultBook,
  ) {
    super();
  }

  answer(hello: LinkSyncRequestDto): LinkSimulationSyncDto {
    this.book.slaveReported(hello.simulation);
    const { run, version, refusals } = this.book.forSlave();
    return {
      link: syncedLinkOf(this.link.linkState()),
      faultsRun: run,
      faultsVersion: version,
      refusals,
    };
  }
}
