import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { InternalClient } from '@app/internal-client';

interface Waiter {
  readonly ticket: number;
  readonly passed: (passed: boolean) => void;
}

/**
 * Tells the slave KME when it has applied every activation the master KME had recorded when it
 * asked: the master KME puts a barrier message on the link's queue behind them, and its arrival
 * here is the answer. This is what lets dec_keys say "not found" of a key ID it does not know,
 * rather than of one still on its way. Askers share barriers: each waits for the first one sent
 * after it asked, and at most one is on its way at a time.
 */
@Injectable()
export class LinkBarrier implements OnModuleDestroy {
  /** Tickets handed to askers, in order. */
  private asked = 0;
  private readonly waiters = new Set<Waiter>();
  private readonly arrivals = new Map<string, () => void>();
  private sending = false;

  constructor(
    @Inject(KME_SETTINGS) private readonly settings: KmeSettings,
    private readonly client: InternalClient,
  ) {}

  /**
   * True once a barrier asked for after this call arrived: every activation recorded at the
   * master KME before now is applied here. False when none arrived within `timeoutMs` (the
   * master KME or the broker is unreachable, or the link is slow).
   */
  passed(timeoutMs: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        ticket: ++this.asked,
        passed: (passed) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(passed);
        },
      };
      const timer = setTimeout(() => waiter.passed(false), timeoutMs);
      this.waiters.add(waiter);
      this.sendNext();
    });
  }

  /** LinkReceiver saw barrier `id` on the queue. */
  arrived(id: string): void {
    this.arrivals.get(id)?.();
  }

  onModuleDestroy(): void {
    for (const waiter of [...this.waiters]) waiter.passed(false);
  }

  private sendNext(): void {
    if (this.sending || this.waiters.size === 0) return;
    this.sending = true;
    const covers = this.asked;
    const id = randomUUID();
    const arrived = new Promise<void>((resolve) => this.arrivals.set(id, resolve));
    let timer: NodeJS.Timeout | undefined;
    const tooLate = new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error('barrier not back in time')), this.lifetimeMs);
    });
    this.client
      .barrier(id)
      .then(() => Promise.race([arrived, tooLate]))
      .then(
        () => {
          for (const waiter of [...this.waiters]) if (waiter.ticket <= covers) waiter.passed(true);
        },
        // Unreachable or too slow: the askers' own deadlines answer them.
        () => undefined,
      )
      .finally(() => {
        clearTimeout(timer);
        this.arrivals.delete(id);
        this.sending = false;
        // Askers that came after this barrier was sent need one of their own; a failed one is
        // tried again only when someone asks again, so that an outage does not spin.
        if ([...this.waiters].some((waiter) => waiter.ticket > covers)) this.sendNext();
      });
  }

  /** Long enough for any asker: none waits longer than the key ID wait. */
  private get lifetimeMs(): number {
    return this.settings.keyIdWaitMs + this.settings.peerTimeoutMs;
  }
}
