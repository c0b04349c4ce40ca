import { Injectable, Logger } from '@nestjs/common';
import type { LinkSimulationSyncDto, SimulationReportDto } from '@app/internal-client';
import { SlaveSyncExtension } from '../../slave/link/link-sync.service';
import { refusalMessage } from '../faults/fault-book.service';
import type { RequestRefusals } from '../faults/request-refusals';
import { describeView, type LinkView } from '../link/link-setup';
import { linkViewOf } from './synced-link';

/** A link state older than this is unknown: the master KME has not answered for 3 heartbeats. */
export const LINK_STATE_STALE_MS = 3_000;

interface Refusal {
  readonly count: number;
  refused: number;
}

/**
 * The slave KME's view of the simulation, from the heartbeat answers: the link as the master KME
 * runs it, and the refuse_requests faults aimed at this KME, which it counts itself and reports
 * back with each hello.
 */
@Injectable()
export class SlaveSimulationState extends SlaveSyncExtension implements RequestRefusals {
  private readonly logger = new Logger('LinkSimulation');
  private link: LinkView | undefined;
  private linkAt = 0;
  private run: string | undefined;
  private version = 0;
  private readonly refusals = new Map<string, Refusal>();

  constructor(private readonly kmeId: string) {
    super();
  }

  /** The link as the master KME last said; undefined when that is unknown or stale. */
  linkState(now = Date.now()): LinkView | undefined {
    return now - this.linkAt < LINK_STATE_STALE_MS ? this.link : undefined;
  }

  report(): SimulationReportDto {
    return {
      ...(this.run === undefined ? {} : { faultsRun: this.run }),
      faultsVersion: this.version,
      refused: [...this.refusals].map(([id, { refused }]) => ({ id, refused })),
    };
  }

  answered(simulation: LinkSimulationSyncDto | undefined): void {
    if (simulation === undefined) return;
    const link = linkViewOf(simulation.link);
    if (this.link === undefined || describeView(this.link) !== describeView(link)) {
      this.logger.log(`link (as the master KME runs it): ${describeView(link)}`);
    }
    this.link = link;
    this.linkAt = Date.now();
    if (simulation.faultsRun !== this.run) this.refusals.clear();
    this.run = simulation.faultsRun;
    this.version = simulation.faultsVersion;
    const listed = new Set<string>();
    for (const { id, count, refused } of simulation.refusals) {
      listed.add(id);
      const known = this.refusals.get(id);
      if (known === undefined) {
        this.refusals.set(id, { count, refused });
        this.logger.log(
          `fault ${id} from the master KME: the next ${count - refused} key requests here answer 503`,
        );
      } else {
        known.refused = Math.max(known.refused, refused);
      }
    }
    for (const id of [...this.refusals.keys()]) if (!listed.has(id)) this.refusals.delete(id);
  }

  refuse(): string | undefined {
    for (const [id, refusal] of this.refusals) {
      if (refusal.refused < refusal.count) {
        refusal.refused += 1;
        return refusalMessage(id, this.kmeId, refusal.count - refusal.refused);
      }
    }
    return undefined;
  }
}
