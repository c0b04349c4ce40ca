import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Inject, Injectable } from '@nestjs/common';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { KeySource } from './key-source';

const randomBytesAsync = promisify(randomBytes);

/** Most credit a rate-limited source saves up: one second of its rate. */
const MAX_CREDIT_SECONDS = 1;

/**
 * The simulated QKD link (the default KeySource): random material at KEY_RATE_BPS, or as fast
 * as asked with 0. A source that is not asked for a while earns no burst: its credit is capped.
 */
@Injectable()
export class SimulatedKeySource extends KeySource {
  private credit = 0;
  private creditAt = Date.now();

  constructor(@Inject(KME_SETTINGS) private readonly settings: KmeSettings) {
    super();
  }

  describe(): string {
    return this.settings.keyRateBps === 0 ? 'full speed' : `${this.settings.keyRateBps} bit/s`;
  }

  async take(maxBytes: number): Promise<Buffer> {
    const size = Math.min(this.earned(), maxBytes);
    if (size <= 0) return Buffer.alloc(0);
    this.credit -= size;
    return randomBytesAsync(size);
  }

  /** Bytes the rate allows now. */
  private earned(): number {
    const rate = this.settings.keyRateBps;
    if (rate === 0) return Number.POSITIVE_INFINITY;
    const now = Date.now();
    const maxCredit = Math.max((rate / 8) * MAX_CREDIT_SECONDS, 1);
    this.credit = Math.min(this.credit + ((now - this.creditAt) * rate) / 8000, maxCredit);
    this.creditAt = now;
    return Math.floor(this.credit);
  }

  /** A paused link earns nothing: it resumes at its rate, not with a burst. */
  override paused(): void {
    this.credit = 0;
    this.creditAt = Date.now();
  }
}
