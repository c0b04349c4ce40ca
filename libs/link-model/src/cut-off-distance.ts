import { secretKeyRate } from './decoy-key-rate';
import { LinkHardware } from './link-parameters';

/** Beyond this the search gives up: no fibre link of this model reaches it. */
const SEARCH_LIMIT_KM = 10_000;

/** Resolution of the answer, in km. */
const TOLERANCE_KM = 1e-4;

/**
 * The fibre length at which the secret key rate of this hardware falls to 0 (the maximal secure
 * distance of Lo–Ma–Chen), by bisection: the rate falls monotonically with distance, since every
 * kilometre only lowers η. Returns 0 when the hardware yields no key even at 0 km, and Infinity
 * when it still does at 10 000 km.
 */
export function cutOffDistanceKm(hardware: LinkHardware): number {
  const hasKeyAt = (fibreLengthKm: number): boolean =>
    secretKeyRate({ ...hardware, fibreLengthKm }).secretBitsPerPulse > 0;
  if (!hasKeyAt(0)) {
    return 0;
  }
  let low = 0;
  let high = 1;
  while (hasKeyAt(high)) {
    low = high;
    high *= 2;
    if (high > SEARCH_LIMIT_KM) {
      return Infinity;
    }
  }
  while (high - low > TOLERANCE_KM) {
    const middle = (low + high) / 2;
    if (hasKeyAt(middle)) {
      low = middle;
    } else {
      high = middle;
    }
  }
  return (low + high) / 2;
}
