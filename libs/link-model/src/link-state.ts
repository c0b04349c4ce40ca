import { ABORT_QBER_THRESHOLD } from './abort-threshold';
import { secretKeyRate } from './decoy-key-rate';
import { interceptResendQber } from './eavesdropper';
import { LinkParameters } from './link-parameters';

/**
 * QBER assumed for a link given as a bare rate ("this rate, no physics"): a typical figure for a
 * working fibre link, low enough to leave room below the abort threshold and high enough that an
 * eavesdropper's 25% is added to something.
 */
export const DEFAULT_BASELINE_QBER = 0.02;

/**
 * QBER of a link whose quantum channel is cut: Bob's only clicks are dark counts, and those are
 * random bits.
 */
export const DARK_COUNTS_ONLY_QBER = 0.5;

/** A link that delivers a fixed rate (the KME's KEY_RATE_BPS) instead of one derived from physics. */
export interface FixedRateLink {
  readonly fixedRateBps: number;
  /** QBER while nothing is wrong; DEFAULT_BASELINE_QBER when absent. */
  readonly baselineQber?: number;
}

/** Faults an operator can inject into the simulated link. */
export interface LinkFaults {
  readonly quantumChannel: 'up' | 'down';
  /** An intercept-resend eavesdropper on every pulse. */
  readonly eavesdropper: boolean;
}

export const NO_FAULTS: LinkFaults = { quantumChannel: 'up', eavesdropper: false };

/** What the key source should do now. */
export interface LinkState {
  readonly qber: number;
  readonly secretKeyRateBps: number;
  /** Whether the link produces key; false exactly when secretKeyRateBps is 0. */
  readonly generating: boolean;
  /** Why the link does not generate, for operators; null while it does. */
  readonly reason: string | null;
}

function isFixedRate(link: LinkParameters | FixedRateLink): link is FixedRateLink {
  return 'fixedRateBps' in link;
}

interface Undisturbed {
  readonly qber: number;
  readonly secretKeyRateBps: number;
  readonly noKeyReason: string;
}

function undisturbedStateOf(link: LinkParameters | FixedRateLink): Undisturbed {
  if (isFixedRate(link)) {
    const qber = link.baselineQber ?? DEFAULT_BASELINE_QBER;
    if (!(Number.isFinite(link.fixedRateBps) && link.fixedRateBps >= 0)) {
      throw new RangeError(`fixedRateBps must be a finite rate ≥ 0, got ${link.fixedRateBps}`);
    }
    if (!(qber >= 0 && qber <= 0.5)) {
      throw new RangeError(`baselineQber must be in [0, 0.5], got ${qber}`);
    }
    return { qber, secretKeyRateBps: link.fixedRateBps, noKeyReason: 'the fixed key rate is 0' };
  }
  const { qber, secretKeyRateBps } = secretKeyRate(link);
  return {
    qber,
    secretKeyRateBps,
    noKeyReason: `no secret key over ${link.fibreLengthKm} km: beyond the link's cut-off distance`,
  };
}

const percent = (x: number): string => `${(100 * x).toFixed(1)}%`;

/**
 * The link's QBER and key rate under the given faults. Rules, in order:
 * 1. quantum channel down: nothing arrives, rate 0, QBER that of dark counts alone (50%);
 * 2. eavesdropper: QBER raised by intercept-resend (`interceptResendQber`);
 * 3. QBER above ABORT_QBER_THRESHOLD: the link aborts, rate 0 — an eavesdropper on every pulse
 *    adds at least 25% and so always ends here;
 * 4. otherwise the physics rate (or the fixed rate), which may itself be 0 beyond the cut-off.
 * The same rules apply to a fixed-rate link, with DEFAULT_BASELINE_QBER unless it names its own.
 */
export function linkStateOf(link: LinkParameters | FixedRateLink, faults: LinkFaults): LinkState {
  const undisturbed = undisturbedStateOf(link);
  if (faults.quantumChannel === 'down') {
    return stopped(DARK_COUNTS_ONLY_QBER, 'the quantum channel is down');
  }
  const qber = faults.eavesdropper ? interceptResendQber(undisturbed.qber) : undisturbed.qber;
  if (qber > ABORT_QBER_THRESHOLD) {
    return stopped(
      qber,
      `QBER ${percent(qber)} above the abort threshold ${percent(ABORT_QBER_THRESHOLD)}`,
    );
  }
  if (undisturbed.secretKeyRateBps <= 0) {
    return stopped(qber, undisturbed.noKeyReason);
  }
  return { qber, secretKeyRateBps: undisturbed.secretKeyRateBps, generating: true, reason: null };
}

function stopped(qber: number, reason: string): LinkState {
  return { qber, secretKeyRateBps: 0, generating: false, reason };
}
