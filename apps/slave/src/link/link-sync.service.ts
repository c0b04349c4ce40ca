import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { LinkConsumer } from '@app/broker';
import { InternalClient } from '@app/internal-client';
import { LinkReceiver } from './link-receiver.service';
import { SlaveInstance } from './slave-instance';

/** How often the slave KME says hello to the master KME; see SLAVE_HEARTBEAT_STALE_MS there. */
const HEARTBEAT_MS = 1_000;

/**
 * Keeps the link up from the slave KME's side: consumes the link's queue and says hello to the
 * master KME every second, which (re)synchronises the link after either KME restarts.
 */
@Injectable()
export class LinkSyncService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LinkSyncService.name);
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private masterState = '';

  constructor(
    private readonly instance: SlaveInstance,
    private readonly consumer: LinkConsumer,
    private readonly client: InternalClient,
    private readonly receiver: LinkReceiver,
  ) {}

  onApplicationBootstrap(): void {
    this.consumer.start((message) => this.receiver.handle(message));
    this.beat();
    this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
  }

  private beat(): void {
    if (this.inFlight !== undefined) return; // one hello at a time
    this.inFlight = this.client
      .sync({ slaveInstanceId: this.instance.id, consuming: this.consumer.consuming })
      .then(
        (answer) =>
          this.report(answer.reset ? `synchronised with epoch ${answer.epoch}` : 'reachable'),
        (error: unknown) =>
          this.report(`unreachable: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  /** Logs only changes of the master KME's state. */
  private report(state: string): void {
    if (
      state === this.masterState ||
      (state === 'reachable' && this.masterState.startsWith('synchronised'))
    ) {
      return;
    }
    this.masterState = state;
    this.logger.log(`master KME ${state}`);
  }
}
