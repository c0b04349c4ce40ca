import { Inject, Injectable, Optional, type OnModuleDestroy } from '@nestjs/common';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { LinkSimulation } from '../../simulation/link/link-simulation.service';
import { formatRate } from '../../simulation/link/link-setup';
import { KeySource } from './key-source';
import { MaterialGenerator, RandomMaterial } from './material-generator';
import { RateCredit } from './rate-credit';

/**
 * Material is handed out in pieces of at least this much of the rate (or what the pool has room
 * for): a source asked every few milliseconds would otherwise give a block of a few bytes each
 * time, each one a persistent message the broker and the slave KME handle like a large one.
 */
const MIN_PIECE_SECONDS = 0.1;

/**
 * The simulated QKD link (the default KeySource): material at the rate the LinkSimulation gives
 * (KEY_RATE_BPS, or the link model's secret key rate), none while the link does not generate
 * (quantum channel down, QBER above the abort threshold), resuming when it does again. Without a
 * LinkSimulation (a test), KEY_RATE_BPS alone; 0 means as fast as asked. The bytes come from the
 * MaterialGenerator: random, or seeded (KEY_SEED).
 */
@Injectable()
export class SimulatedKeySource extends KeySource implements OnModuleDestroy {
  private readonly credit: RateCredit;
  private readonly material: MaterialGenerator;
  private readonly unsubscribe: () => void;

  constructor(
    @Inject(KME_SETTINGS) settings: KmeSettings,
    @Optional() private readonly link?: LinkSimulation,
    @Optional() material?: MaterialGenerator,
  ) {
    super();
    this.material = material ?? new RandomMaterial();
    const rate = link?.rateBps() ?? (settings.keyRateBps === 0 ? Infinity : settings.keyRateBps);
    this.credit = new RateCredit(rate, Date.now());
    this.unsubscribe =
      link?.onChange(() => {
        const now = Date.now();
        const next = link.rateBps();
        this.credit.setRate(next, now);
        // A link that stopped has earned nothing by the time it resumes.
        if (next === 0) this.credit.reset(now);
      }) ?? (() => undefined);
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  describe(): string {
    const rate = this.credit.rate;
    if (rate === Infinity) return 'full speed';
    const reason = this.link?.linkState().reason;
    return rate === 0 ? `not generating: ${reason ?? 'rate 0'}` : formatRate(rate);
  }

  async take(maxBytes: number): Promise<Buffer> {
    const now = Date.now();
    const available = this.credit.available(now);
    const rate = this.credit.rate;
    const piece = Math.min(Math.max(Math.floor((rate / 8) * MIN_PIECE_SECONDS), 1), maxBytes);
    if (rate === 0 || available < piece) return Buffer.alloc(0);
    const size = Math.min(available, maxBytes);
    this.credit.spend(size);
    return this.material.generate(size);
  }

  override taken(bytes: number): void {
    this.material.taken(bytes);
  }

  /** A paused link earns nothing: it resumes at its rate, not with a burst. */
  override paused(): void {
    this.credit.reset(Date.now());
  }
}
