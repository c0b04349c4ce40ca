import { LinkHardware } from './link-parameters';

/**
 * The GYS parameter set Lo–Ma–Chen use to evaluate decoy-state QKD (H.-K. Lo, X. Ma and K. Chen,
 * PRL 94, 230504 (2005); used again by X. Ma, B. Qi, Y. Zhao and H.-K. Lo, PRA 72, 012326
 * (2005)), taken from the 122 km experiment of C. Gobby, Z. L. Yuan and A. J. Shields, APL 84, 3762
 * (2004): α = 0.21 dB/km, e_det = 3.3%, Y_0 = 1.7×10⁻⁶, η_Bob = 4.5%, with f(e) = 1.22 and
 * q = 1/2 as in the papers.
 *
 * These values are from memory of the papers, not re-read from them while writing this: the
 * search tools available here returned only the abstracts. They agree with what the papers
 * conclude (next constant), which is some evidence they are right.
 *
 * The pulse rate does not enter the papers' figures (they are per pulse); 1 MHz is a placeholder.
 *
 * The papers' second set, KTH, is left out on purpose: its values (Y_0 in particular) and the
 * distance reported for it could not be checked here, and a test against a misremembered figure
 * would pin nothing.
 */
export const LO_MA_CHEN_GYS: LinkHardware = {
  fibreLossDbPerKm: 0.21,
  detectorEfficiency: 0.045,
  darkCountProbability: 1.7e-6,
  misalignmentError: 0.033,
  errorCorrectionInefficiency: 1.22,
  signalIntensity: 'optimal',
  pulseRateHz: 1e6,
  siftingFactor: 0.5,
};

/**
 * Maximal secure distance Lo–Ma–Chen report for GYS with infinitely many decoys and optimal μ:
 * about 142 km (this model gives 142.2 km). The spec allows ±1.5 km: it covers the papers'
 * rounding and their own numerical optimisation of μ, and would catch a wrong factor anywhere in
 * the formula (f = 1 instead of 1.22 moves the cut-off to 150 km; e_det 3.0% instead of 3.3%
 * moves it by 2 km).
 */
export const LO_MA_CHEN_GYS_MAX_DISTANCE_KM = 142;

/**
 * The optimal signal intensity for GYS: of order 1, about 0.5 (the papers' central point is that
 * decoys allow μ = O(1) instead of μ = O(η)). The model gives 0.49 at 0 km, 0.48 at 100 km and 0.43 near
 * the cut-off; the spec checks 0–100 km against 0.40–0.60, a wide band because the papers' exact
 * figure is not at hand.
 */
export const LO_MA_CHEN_GYS_OPTIMAL_MU = { min: 0.4, max: 0.6 } as const;
