import {
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { LinkConsumer } from '@app/broker';
import {
  InternalClient,
  type LinkSimulationSyncDto,
  type SimulationReportDto,
} from '@app/internal-client';
import { SlaveKeyStore } from '@app/key-pool';

/** How often the slave KME says hello to the master KME; see SLAVE_HEARTBEAT_STALE_MS there. */
const HEARTBEAT_MS = 1_000;
/** Without an answer for this long, the master KME counts as unreachable. */
const MASTER_STALE_MS = 3_000;

/**
 * What the simulation adds to the heartbeat (an extension point, optional): a report in each
 * hello, and the simulated link and its faults from each answer.
 */
export abstract class SlaveSyncExtension {
  abstract report(): SimulationReportDto;
  /** The simulation's part of an answer; undefined when the master KME sent none. */
  abstract answered(simulation: LinkSimulationSyncDto | undefined): void;
}

/**
 * Keeps the link up from the slave KME's side: says hello to the master KME every second with what its store holds, which lets the master KME resume the link
 * after either KME restarts, or start a new era when the stores no longer match.
 */
@Injectable()
export class LinkSyncService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LinkSyncService.name);
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private masterState = '';
  private lastAnswerAt = 0;
  private resetUnderway = true;

  constructor(
    private readonly store: SlaveKeyStore,
    private readonly consumer: LinkConsumer,
    private readonly client: InternalClient,
    @Optional() private readonly extension?: SlaveSyncExtension,
  ) {}

  /** The master KME agrees with this KME's store: keys can be shared. */
  get synchronised(): boolean {
    return !this.resetUnderway;
  }

  /** The master KME answered a hello recently: an activation it owes us is not held up there. */
  get masterReachable(): boolean {
    return Date.now() - this.lastAnswerAt < MASTER_STALE_MS;
  }

  onApplicationBootstrap(): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }

  private beat(): void {
    if (this.inFlight !== undefined) return; // one hello at a time
    this.inFlight = this.client
      .sync({
        slaveStoreId: this.store.storeId,
        consuming: this.consumer.consuming,
        epoch: this.store.material.epoch,
        receivedEnd: this.store.material.receivedEnd,
        ...(this.extension === undefined ? {} : { simulation: this.extension.report() }),
      })
      .then(
        (answer) => {
          this.lastAnswerAt = Date.now();
          this.extension?.answered(answer.simulation);
          this.resetUnderway = answer.reset;
          this.report(
            answer.reset
              ? `resetting the link to epoch ${answer.epoch}`
              : `synchronised with epoch ${answer.epoch}`,
          );
        },
        (error: unknown) =>
          this.report(`unreachable: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  /** Logs only changes of the master KME's state. */
  private report(state: string): void {
    if (state === this.masterState) return;
    this.masterState = state;
    this.logger.log(`master KME ${state}`);
  }
}
