import { binaryEntropy } from './binary-entropy';

/**
 * The QBER at which BB84 with one-way post-processing stops yielding key for single photons:
 * the root of 1 − 2·H2(e) = 0 on (0, 1/2), the Shor–Preskill bound (P. W. Shor and J. Preskill,
 * "Simple proof of security of the BB84 quantum key distribution protocol", PRL 85, 441 (2000)).
 * About 0.110028. Computed by bisection rather than written down, so the constant and the formula
 * cannot drift apart.
 */
function shorPreskillThreshold(): number {
  let low = 0;
  let high = 0.5;
  // 1 − 2·H2(e) falls monotonically on (0, 1/2); 60 halvings reach double precision.
  for (let i = 0; i < 60; i++) {
    const middle = (low + high) / 2;
    if (1 - 2 * binaryEntropy(middle) > 0) {
      low = middle;
    } else {
      high = middle;
    }
  }
  return (low + high) / 2;
}

/** Above this QBER a link aborts: no key can be distilled (≈ 0.110028). */
export const ABORT_QBER_THRESHOLD: number = shorPreskillThreshold();
