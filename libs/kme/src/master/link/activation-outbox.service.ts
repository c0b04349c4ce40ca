import { setTimeout as delay } from 'node:timers/promises';
import {
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { LinkPublisher, MAX_ACTIVATIONS_PER_MESSAGE, type ActivationMessage } from '@app/broker';
import { MasterKeyStore, UnavailableError, type OutboxEntry } from '@app/key-pool';

/** The part of an activation the outbox keeps; its ID is derived from its place in the outbox. */
export type PendingActivation = Omit<ActivationMessage, 'id'>;

/** Activation messages published and not yet confirmed at once, most. */
const MESSAGES_IN_FLIGHT = 4;
/**
 * While a message is unconfirmed, what is recorded waits up to this long for its confirm, to
 * leave with whatever else is recorded meanwhile: under load the messages grow instead of their
 * number, and each costs the broker a confirm and the slave KME a commit (sending at once, a busy
 * master KME sent about one message per group commit, and the broker and the slave KME spent
 * about a fifth more CPU per activation). Bounded, so that a slow confirm delays no activation by
 * more (waiting for the confirm itself took the round trip's p99 from 35-39 to 29-60 ms).
 */
const BATCH_WAIT_MS = 2;
/** After a failed publish, how long the outbox waits before trying again. */
const RETRY_MS = 250;
/**
 * How long confirmed activations may stay in the outbox's table. Removing them is a commit of its
 * own; one every few milliseconds instead of one per confirm. Should the KME stop before it, they
 * are shipped again, and the slave KME ignores what it already applied.
 */
const REMOVE_CONFIRMED_AFTER_MS = 25;
/** How long a stopping KME goes on shipping the outbox. */
const SHUTDOWN_FLUSH_MS = 2_000;

/**
 * Runs before each activation message is published (an extension point, optional): the
 * simulation's relay_delay fault holds messages back here, in order.
 */
export abstract class ActivationPublishHook {
  /** Resolves when the message may go; undefined to publish at once. */
  abstract beforePublish(): Promise<void> | undefined;
}

/**
 * The transactional outbox of activations: enc_keys at the master KME records the activation in
 * the same local transaction as the allocation and answers at once; this service ships what the
 * outbox holds to the slave KME, in order, and removes it once the broker confirmed it. After a
 * restart everything still in the outbox is shipped again: the slave KME ignores an activation it
 * already applied (by ID).
 */
@Injectable()
export class ActivationOutbox implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ActivationOutbox.name);
  /** Highest sequence number handed to the broker in this run. */
  private sentThrough = 0;
  /**
   * Highest sequence number the broker confirmed in this run; the table keeps those entries for up
   * to REMOVE_CONFIRMED_AFTER_MS more.
   */
  private confirmedThrough = 0;
  /**
   * The messages in flight, oldest first: the last sequence number each carries, and whether the
   * publish hook still holds it back (such a message does not count against MESSAGES_IN_FLIGHT,
   * so that a relay delay makes activations that late, not later by a delay per message ahead).
   */
  private inFlight: { through: number; count: number; confirmed: boolean; held: boolean }[] = [];
  /** Confirmed activations still in the table, removed by removeTimer. */
  private confirmedInTable = 0;
  private removeTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private batchTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private state = '';
  /** Barriers waiting for the outbox to ship through a sequence number. */
  private readonly shipWaiters = new Set<{
    readonly through: number;
    readonly shipped: () => void;
  }>();

  constructor(
    private readonly store: MasterKeyStore,
    private readonly publisher: LinkPublisher,
    @Optional() private readonly hook?: ActivationPublishHook,
  ) {}

  /** Activations committed and not yet confirmed by the broker. */
  get size(): number {
    return this.store.outbox.size - this.confirmedInTable;
  }

  /** Records an activation; call inside the transaction that allocated its keys. */
  record(activation: PendingActivation): void {
    this.store.outbox.add(JSON.stringify(activation));
  }

  /** Ships what was recorded; call after the transaction committed. */
  poke(): void {
    this.ship(false);
  }

  /** `batchWaited`: BATCH_WAIT_MS has passed since what is recorded found a message in flight. */
  private ship(batchWaited: boolean): void {
    if (this.stopped) return;
    while (this.publishing() < MESSAGES_IN_FLIGHT && this.publisher.connected) {
      if (this.store.outbox.lastSeq <= this.sentThrough) return;
      if (this.publishing() > 0 && !batchWaited) {
        this.waitForBatch();
        return;
      }
      batchWaited = false;
      const entries = this.store.outbox.entriesAfter(this.sentThrough, MAX_ACTIVATIONS_PER_MESSAGE);
      if (entries.length === 0) return;
      this.send(entries);
    }
    if (!this.publisher.connected) this.retryLater('the message broker is unreachable');
  }

  /**
   * Puts barrier `id` on the link's queue once the broker confirmed every activation recorded
   * before this call: the barrier reaches the slave KME behind them all. Throws an
   * UnavailableError when they are not confirmed within `timeoutMs`.
   */
  async barrier(id: string, timeoutMs: number): Promise<void> {
    await this.recordedShipped(timeoutMs);
    await this.publisher.publishBarrier({ id });
  }

  /**
   * Resolves once the broker confirmed every activation recorded before this call: on the link's
   * queue, whatever is published next comes after them. Rejects with an UnavailableError when
   * they are not confirmed within `timeoutMs`.
   */
  recordedShipped(timeoutMs: number): Promise<void> {
    const seq = this.store.outbox.lastSeq;
    if (this.hasShipped(seq)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        through: seq,
        shipped: () => {
          clearTimeout(timer);
          this.shipWaiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.shipWaiters.delete(waiter);
        reject(
          new UnavailableError(
            `activations recorded at the master KME are not on the link's queue yet (${this.size} waiting)`,
          ),
        );
      }, timeoutMs);
      this.shipWaiters.add(waiter);
    });
  }

  private hasShipped(seq: number): boolean {
    return this.size === 0 || this.confirmedThrough >= seq;
  }

  onApplicationBootstrap(): void {
    if (this.store.outbox.size > 0) {
      this.logger.log(
        `${this.store.outbox.size} activations from before the restart are shipped again`,
      );
    }
    this.poke();
  }

  /** Ships what it can before the KME stops; the rest stays in the outbox for the next start. */
  async beforeApplicationShutdown(): Promise<void> {
    const deadline = Date.now() + SHUTDOWN_FLUSH_MS;
    while (this.busy() && Date.now() < deadline) {
      this.poke();
      await delay(10);
    }
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.batchTimer);
    this.removeConfirmedNow();
  }

  private busy(): boolean {
    return this.inFlight.length > 0 || (this.publisher.connected && this.size > 0);
  }

  private waitForBatch(): void {
    if (this.batchTimer !== undefined) return;
    this.batchTimer = setTimeout(() => {
      this.batchTimer = undefined;
      this.ship(true);
    }, BATCH_WAIT_MS);
  }

  /** Messages handed to the broker and not confirmed yet. */
  private publishing(): number {
    return this.inFlight.reduce((count, message) => (message.held ? count : count + 1), 0);
  }

  private send(entries: readonly OutboxEntry[]): void {
    const through = entries[entries.length - 1].seq;
    const gate = this.hook?.beforePublish();
    const message = { through, count: entries.length, confirmed: false, held: gate !== undefined };
    const flight = this.inFlight;
    flight.push(message);
    this.sentThrough = through;
    const publish = () => {
      message.held = false;
      return this.publisher.publishActivations(this.messageOf(entries));
    };
    (gate === undefined ? publish() : gate.then(publish)).then(
      () => {
        // A message of a flight abandoned after a failure: its entries are shipped again.
        if (flight !== this.inFlight) return;
        message.confirmed = true;
        this.removeConfirmed();
        this.report('shipping');
        this.poke();
      },
      (error: unknown) => {
        if (flight !== this.inFlight) return;
        // Unconfirmed: ship it and everything after it again, in order.
        this.inFlight = [];
        this.sentThrough = this.confirmedThrough;
        this.retryLater(error instanceof Error ? error.message : String(error));
      },
    );
  }

  private removeConfirmed(): void {
    while (this.inFlight[0]?.confirmed === true) {
      const { through, count } = this.inFlight.shift()!;
      this.confirmedThrough = through;
      this.confirmedInTable += count;
    }
    for (const waiter of this.shipWaiters) {
      if (this.hasShipped(waiter.through)) waiter.shipped();
    }
    if (this.confirmedInTable > 0 && this.removeTimer === undefined) {
      this.removeTimer = setTimeout(() => this.removeConfirmedNow(), REMOVE_CONFIRMED_AFTER_MS);
    }
  }

  private removeConfirmedNow(): void {
    clearTimeout(this.removeTimer);
    this.removeTimer = undefined;
    if (this.confirmedInTable === 0) return;
    try {
      this.store.outbox.removeThrough(this.confirmedThrough);
      this.confirmedInTable = 0;
    } catch (error) {
      // Left in the table (disk full, say): the next confirm tries again; shipped again at worst.
      this.logger.warn(
        `confirmed activations stay in the outbox for now: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** One ActivationsMessage, built from the JSON the outbox keeps without parsing it again. */
  private messageOf(entries: readonly OutboxEntry[]): string {
    const storeId = this.store.storeId;
    const activations = entries.map(
      (entry) => `{"id":"${storeId}/${entry.seq}",${entry.body.slice(1)}`,
    );
    return `{"activations":[${activations.join(',')}]}`;
  }

  private retryLater(reason: string): void {
    this.report(`waiting: ${reason}`);
    if (this.retryTimer !== undefined || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.poke();
    }, RETRY_MS);
  }

  /** Logs only changes, so a broker outage does not flood the log. */
  private report(state: string): void {
    if (state === this.state) return;
    this.state = state;
    this.logger.log(`activation outbox ${state} (${this.size} waiting)`);
  }
}
