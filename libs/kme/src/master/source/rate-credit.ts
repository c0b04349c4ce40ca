/** Most credit a source saves up: one second of its rate, so a link that idled earns no burst. */
const MAX_CREDIT_SECONDS = 1;

/**
 * Bytes a link of a given rate has earned, over time. The rate may change at any moment: what
 * was earned until then is earned at the old rate. Infinity means no limit.
 */
export class RateCredit {
  private credit = 0;
  private since: number;

  constructor(
    private rateBps: number,
    now: number,
  ) {
    this.since = now;
  }

  get rate(): number {
    return this.rateBps;
  }

  /** Switches to `rateBps` from `now` on, keeping what was earned before at the old rate. */
  setRate(rateBps: number, now: number): void {
    this.earnUntil(now);
    this.rateBps = rateBps;
  }

  /** Whole bytes earned by `now`; Infinity without a limit. */
  available(now: number): number {
    this.earnUntil(now);
    return this.rateBps === Infinity ? Infinity : Math.floor(this.credit);
  }

  spend(bytes: number): void {
    if (this.rateBps !== Infinity) this.credit -= bytes;
  }

  /** Nothing earned, from `now` on (a paused or stopped link). */
  reset(now: number): void {
    this.credit = 0;
    this.since = now;
  }

  private earnUntil(now: number): void {
    if (this.rateBps !== Infinity && this.rateBps > 0 && now > this.since) {
      const cap = Math.max((this.rateBps / 8) * MAX_CREDIT_SECONDS, 1, this.credit);
      this.credit = Math.min(this.credit + ((now - this.since) * this.rateBps) / 8000, cap);
    }
    this.since = Math.max(this.since, now);
  }
}
