import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { ActivationPublishHook } from '../../master/link/activation-outbox.service';
import { FaultBook } from './fault-book.service';

/**
 * The relay_delay fault at the activation outbox: each activation message waits the delay in
 * force when it was to be published, in order (a message never overtakes an earlier one), so the
 * slave KME learns of keys that late. Once no relay_delay is in force (it ended, or the faults
 * were cleared), what still waits goes at once.
 */
@Injectable()
export class RelayDelayGate extends ActivationPublishHook implements OnModuleDestroy {
  /** The last message held back; the next waits for it. */
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  /** Messages held back before this moment go at once: their fault was cleared. */
  private releasedAt = 0;
  private readonly unsubscribe: () => void;

  constructor(private readonly book: FaultBook) {
    super();
    this.unsubscribe = book.onChange(() => {
      if (book.relayDelayMs() === 0) this.releaseAll();
    });
  }

  beforePublish(): Promise<void> | undefined {
    const ms = this.book.relayDelayMs();
    if (ms === 0 && this.waiting === 0) return undefined;
    const heldAt = Date.now();
    this.waiting += 1;
    const gate = this.tail.then(() => this.until(heldAt, heldAt + ms));
    this.tail = gate.then(() => {
      this.waiting -= 1;
    });
    return gate;
  }

  onModuleDestroy(): void {
    this.unsubscribe();
    this.releaseAll();
  }

  private until(heldAt: number, due: number): Promise<void> {
    const ms = due - Date.now();
    if (ms <= 0 || heldAt <= this.releasedAt) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      this.timers.set(timer, resolve);
    });
  }

  private releaseAll(): void {
    this.releasedAt = Date.now();
    for (const [timer, resolve] of this.timers) {
      clearTimeout(timer);
      resolve();
    }
    this.timers.clear();
  }
}
