import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { LinkPublisher } from '@app/broker';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { MasterKeyStore, type MaterialBlock } from '@app/key-pool';
import { SlaveLinkService } from './slave-link.service';

const randomBytesAsync = promisify(randomBytes);

/** Largest block shipped at once: big enough for a fast relay, small enough to keep latency low. */
const MAX_BLOCK_BYTES = 64 * 1024;
/** How often a rate-limited source emits a block. */
const TICK_MS = 100;
/**
 * At full speed, how long a top-up smaller than a block waits for more room after the last block.
 * Without it every allocation is refilled at once: hundreds of tiny blocks a second, each one a
 * persistent message the broker and the slave KME handle like a full one.
 */
const TOP_UP_INTERVAL_MS = 100;
/** Longest idle wait before the source looks at the link again without being woken. */
const IDLE_CHECK_MS = 250;

/**
 * The simulated QKD source: random material at KEY_RATE_BPS, shipped to the slave KME in blocks
 * while a slave KME consumes the link's queue and the pool is below its cap. A block is kept in
 * the store as pending before it is published, and becomes allocatable only once the broker
 * confirmed it; a pending block (the broker failed, the KME was killed) is published again first.
 */
@Injectable()
export class KeySourceService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(KeySourceService.name);
  private readonly capBytes: number;
  private running = false;
  private state = '';
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private credit = 0;
  private creditAt = Date.now();
  private lastBlockAt = 0;

  constructor(
    @Inject(KME_SETTINGS) private readonly settings: KmeSettings,
    private readonly store: MasterKeyStore,
    private readonly publisher: LinkPublisher,
    private readonly slaveLink: SlaveLinkService,
  ) {
    this.capBytes = (settings.keys.maxKeyCount * settings.keys.defaultKeySize) / 8;
    slaveLink.onChange(() => this.poke());
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.poke();
    await this.loop;
  }

  /** Called when material was allocated or the link changed: the source may have work again. */
  poke(): void {
    this.wake?.();
  }

  private get material() {
    return this.store.material;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.step();
      } catch (error) {
        // The store could not be written (disk full, say): try again later, never stop for good.
        this.report(`paused: ${error instanceof Error ? error.message : String(error)}`);
        await this.idle(IDLE_CHECK_MS);
      }
    }
  }

  /** One turn of the source: ship a pending block, or draw and ship a new one, or wait. */
  private async step(): Promise<void> {
    const pause = this.pauseReason();
    if (pause !== undefined) {
      this.report(`paused: ${pause}`);
      // A paused source earns no credit: it resumes at its rate, not with a burst.
      this.credit = 0;
      this.creditAt = Date.now();
      await this.idle(IDLE_CHECK_MS);
      return;
    }
    const [pending] = this.material.pendingBlocks();
    if (pending !== undefined) {
      await this.ship(pending);
      return;
    }
    const size = this.nextBlockSize();
    if (size === 0) {
      await this.idle(TICK_MS);
      return;
    }
    const topUpWait = this.topUpWait(size);
    if (topUpWait > 0) {
      // Not woken by allocations: each would only find a little more room.
      await delay(topUpWait);
      return;
    }
    this.report(
      `running at ${this.settings.keyRateBps === 0 ? 'full speed' : `${this.settings.keyRateBps} bit/s`}`,
    );
    const bytes = await randomBytesAsync(size);
    // The link may have been reset while the bytes were drawn. Blocks travel on a channel of
    // their own, so a block reserved now could overtake the reset on the queue and be dropped
    // by a new slave KME run: reserve only once the reset is confirmed, on the next turn.
    if (this.pauseReason() !== undefined) return;
    const block = this.material.reserve(bytes);
    this.lastBlockAt = Date.now();
    await this.ship(block);
  }

  /** Publishes a pending block and commits it once confirmed; on failure it stays pending. */
  private async ship(block: MaterialBlock): Promise<void> {
    try {
      await this.publisher.publishBlock(block);
      this.material.commit(block);
    } catch (error) {
      this.report(`paused: ${error instanceof Error ? error.message : String(error)}`);
      await this.idle(IDLE_CHECK_MS);
    }
  }

  private pauseReason(): string | undefined {
    if (!this.publisher.connected) return 'the message broker is unreachable';
    if (!this.slaveLink.slaveConsumingQueue) return 'no slave KME is consuming the link queue';
    if (this.material.availableBytes >= this.capBytes) return 'the key pool is full';
    return undefined;
  }

  /** Bytes to generate now: the rate's accumulated credit, within the cap and the block size. */
  private nextBlockSize(): number {
    const room = Math.min(this.capBytes - this.material.availableBytes, MAX_BLOCK_BYTES);
    if (this.settings.keyRateBps === 0) return room;
    const now = Date.now();
    const maxCredit = Math.max((this.settings.keyRateBps / 8) * (TICK_MS / 1000) * 10, 1);
    this.credit = Math.min(
      this.credit + ((now - this.creditAt) * this.settings.keyRateBps) / 8000,
      maxCredit,
    );
    this.creditAt = now;
    const size = Math.min(Math.floor(this.credit), room);
    this.credit -= size;
    return size;
  }

  /** At full speed, how long a block of `size` bytes should wait to grow into a full one. */
  private topUpWait(size: number): number {
    if (this.settings.keyRateBps !== 0 || size >= MAX_BLOCK_BYTES) return 0;
    return this.lastBlockAt + TOP_UP_INTERVAL_MS - Date.now();
  }

  /** Waits `ms`, or less when poked. */
  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Logs only changes, so a paused source does not flood the log. */
  private report(state: string): void {
    if (state === this.state) return;
    this.state = state;
    this.logger.log(`key source ${state}`);
  }
}
