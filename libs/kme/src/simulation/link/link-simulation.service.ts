import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import {
  applyChange,
  describeChange,
  describeView,
  initialSetupOf,
  rateOf,
  revertChange,
  viewOf,
  type LinkChange,
  type LinkSetup,
  type LinkView,
} from './link-setup';

export type LinkListener = (view: LinkView) => void;

/**
 * The simulated QKD link of the master KME: its rate source (KEY_RATE_BPS, or the physics of a
 * preset and the LINK_* settings) and the faults on it (quantum channel, eavesdropper), and what
 * follows from them by the link model: QBER, secret key rate, whether key is generated. The key
 * source obeys it; the simulation API, scenarios and metrics read and change it. Every change is
 * logged with what changed and who changed it.
 */
@Injectable()
export class LinkSimulation implements OnModuleInit {
  private readonly logger = new Logger('LinkSimulation');
  private current: LinkSetup;
  private view: LinkView;
  private rate: number;
  private readonly listeners = new Set<LinkListener>();

  constructor(@Inject(KME_SETTINGS) private readonly settings: KmeSettings) {
    this.current = initialSetupOf(settings.link);
    this.view = viewOf(this.current);
    this.rate = rateOf(this.current);
  }

  onModuleInit(): void {
    const { link } = this.settings;
    if (link.model === 'fixed-rate' && link.ignoredVariables.length > 0) {
      this.logger.warn(
        `KEY_RATE_BPS is set, so the link has that rate and no physics: ${link.ignoredVariables.join(', ')} ignored`,
      );
    }
    this.logger.log(`link: ${describeView(this.view)}`);
  }

  get setup(): LinkSetup {
    return this.current;
  }

  /** The link now, as GET /api/sim/v1/link answers it. No I/O: cheap to call often. */
  linkState(): LinkView {
    return this.view;
  }

  /** Bits/s the key source may produce now: 0 while not generating, Infinity without a limit. */
  rateBps(): number {
    return this.rate;
  }

  /** Applies a change (refused, changing nothing, with InvalidRequestError); the link after it. */
  change(change: LinkChange, who: string): LinkView {
    this.replace(applyChange(this.current, change), `${who} set ${describeChange(change)}`);
    return this.view;
  }

  /** Sets the members of `change` back to what `before` had (the end of a timed change). */
  revert(before: LinkSetup, change: LinkChange, who: string): LinkView {
    this.replace(
      revertChange(this.current, before, change),
      `${who} ended ${describeChange(change)}`,
    );
    return this.view;
  }

  /** Calls `listener` after every change, with the link as it is then; returns the unsubscribe. */
  onChange(listener: LinkListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private replace(setup: LinkSetup, what: string): void {
    const before = this.view;
    this.current = setup;
    this.view = viewOf(setup);
    this.rate = rateOf(setup);
    this.logger.log(
      `link changed: ${what}; was ${describeView(before)}; now ${describeView(this.view)}`,
    );
    for (const listener of this.listeners) listener(this.view);
  }
}
