export { ABORT_QBER_THRESHOLD } from './abort-threshold';
export { binaryEntropy } from './binary-entropy';
export { cutOffDistanceKm } from './cut-off-distance';
export { secretKeyRate, transmittanceOf, type KeyRateResult } from './decoy-key-rate';
export { INTERCEPT_RESEND_QBER, interceptResendQber } from './eavesdropper';
export {
  assertValidLinkParameters,
  BB84_SIFTING_FACTOR,
  type LinkHardware,
  type LinkParameters,
} from './link-parameters';
export {
  DARK_COUNTS_ONLY_QBER,
  DEFAULT_BASELINE_QBER,
  linkStateOf,
  NO_FAULTS,
  type FixedRateLink,
  type LinkFaults,
  type LinkState,
} from './link-state';
export { LINK_PRESETS, type LinkPreset, type LinkPresetId } from './presets';
export {
  LO_MA_CHEN_GYS,
  LO_MA_CHEN_GYS_MAX_DISTANCE_KM,
  LO_MA_CHEN_GYS_OPTIMAL_MU,
} from './published-parameters';
export { SeededRandom, type SeededRandomPosition } from './seeded-random';
