import { setTimeout as delay } from 'node:timers/promises';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { LinkPublisher } from '@app/broker';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { MasterKeyStore, type MaterialBlock } from '@app/key-pool';
import { RelayMeter } from '@app/observability';
import { KeySource } from '../source/key-source';
import { SlaveLinkService } from './slave-link.service';

/**
 * Largest block shipped at once. Each block costs a persistent message, a confirm and a commit at
 * each KME whatever its size: the relay ran at 75-84 Mbit/s with 64 KiB blocks, 148-161 with
 * 256 KiB (same machine, same day). Only a pool with that much room gets whole blocks (top-ups
 * are smaller), and activations queued behind one wait for the slave KME to store at most this.
 */
const MAX_BLOCK_BYTES = 256 * 1024;
/** How long the shipper waits when the source has nothing. */
const TICK_MS = 100;
/**
 * How long a top-up smaller than a block waits for more room after the last block. Without it
 * every allocation is refilled at once at full speed: hundreds of tiny blocks a second, each one
 * a persistent message the broker and the slave KME handle like a full one.
 */
const TOP_UP_INTERVAL_MS = 100;
/** Longest idle wait before the shipper looks at the link again without being woken. */
const IDLE_CHECK_MS = 250;

/**
 * Ships the KeySource's material to the slave KME in blocks while a slave KME consumes the link's
 * queue and the pool is below its cap. A block is kept in the store as pending before it is
 * published, and becomes allocatable only once the broker confirmed it; a pending block (the
 * broker failed, the KME was killed) is published again first.
 */
@Injectable()
export class MaterialShipper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MaterialShipper.name);
  private readonly capBytes: number;
  private running = false;
  private state = '';
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private lastBlockAt = 0;
  /** Bytes the source gave while the link was being reset: shipped first, never dropped. */
  private held: Buffer | undefined;

  constructor(
    @Inject(KME_SETTINGS) settings: KmeSettings,
    private readonly store: MasterKeyStore,
    private readonly publisher: LinkPublisher,
    private readonly slaveLink: SlaveLinkService,
    private readonly source: KeySource,
    @Optional() private readonly relay?: RelayMeter,
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

  /** Called when material was allocated or the link changed: there may be work again. */
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

  /** One turn: ship a pending block, or take material from the source and ship it, or wait. */
  private async step(): Promise<void> {
    const pause = this.pauseReason();
    if (pause !== undefined) {
      this.report(`paused: ${pause}`);
      this.source.paused();
      await this.idle(IDLE_CHECK_MS);
      return;
    }
    const [pending] = this.material.pendingBlocks();
    if (pending !== undefined) {
      await this.ship(pending);
      return;
    }
    const room = Math.min(this.capBytes - this.material.availableBytes, MAX_BLOCK_BYTES);
    const topUpWait =
      room < MAX_BLOCK_BYTES ? this.lastBlockAt + TOP_UP_INTERVAL_MS - Date.now() : 0;
    if (topUpWait > 0) {
      // Not woken by allocations: each would only find a little more room.
      await delay(topUpWait);
      return;
    }
    const bytes = this.held ?? (await this.source.take(room));
    this.held = undefined;
    if (bytes.length === 0) {
      await this.idle(TICK_MS);
      return;
    }
    this.report(`running: ${this.source.describe()}`);
    // The link may have been reset while the source worked. Blocks travel on a channel of their
    // own, so a block reserved now could overtake the reset on the queue and be dropped by the
    // slave KME: keep the bytes for the next turn, once the reset is confirmed.
    if (this.pauseReason() !== undefined) {
      this.held = bytes;
      return;
    }
    const block = this.store.transaction(() => {
      const reserved = this.material.reserve(bytes);
      this.source.taken(bytes.length);
      return reserved;
    });
    this.lastBlockAt = Date.now();
    await this.ship(block);
  }

  /** Publishes a pending block and commits it once confirmed; on failure it stays pending. */
  private async ship(block: MaterialBlock): Promise<void> {
    try {
      await this.publisher.publishBlock(block);
      if (this.material.commit(block)) this.relay?.add(block.bytes.length);
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

  /** Logs only changes, so a paused link does not flood the log. */
  private report(state: string): void {
    if (state === this.state) return;
    this.state = state;
    this.logger.log(`key source ${state}`);
  }
}
