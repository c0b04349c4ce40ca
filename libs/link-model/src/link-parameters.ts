/** The hardware and protocol settings of a simulated decoy-state BB84 link. */
export interface LinkHardware {
  /** Fibre attenuation α in dB/km (standard single-mode fibre at 1550 nm: about 0.2). */
  readonly fibreLossDbPerKm: number;
  /** η_Bob: detector efficiency times the transmittance of Bob's own optics, in (0, 1]. */
  readonly detectorEfficiency: number;
  /** Y_0: probability of a click (dark count or background) per pulse with no photon, in [0, 1). */
  readonly darkCountProbability: number;
  /** e_det: probability that a photon reaches the wrong detector (optical misalignment), [0, 0.5]. */
  readonly misalignmentError: number;
  /** f(E) ≥ 1: bits disclosed by error correction per bit of Shannon limit (1 = perfect). */
  readonly errorCorrectionInefficiency: number;
  /** Mean photon number μ of the signal pulses, or 'optimal' to maximise the rate over (0, 1.5]. */
  readonly signalIntensity: number | 'optimal';
  /** Pulses sent per second. */
  readonly pulseRateHz: number;
  /**
   * q: the fraction of detections kept as key after basis sifting. 1/2 for standard BB84 (the
   * value in Lo–Ma–Chen); close to 1 for efficient BB84 with biased basis choice. Default 1/2.
   */
  readonly siftingFactor?: number;
}

/** A link: its hardware and the fibre between the two ends. */
export interface LinkParameters extends LinkHardware {
  /** Fibre length L in km. */
  readonly fibreLengthKm: number;
}

/** Sifting factor of standard BB84: bases chosen at random, half the detections kept. */
export const BB84_SIFTING_FACTOR = 0.5;

/** Throws a RangeError naming the first parameter outside its physical range. */
export function assertValidLinkParameters(p: LinkParameters): void {
  const checks: readonly [keyof LinkParameters, boolean][] = [
    ['fibreLengthKm', Number.isFinite(p.fibreLengthKm) && p.fibreLengthKm >= 0],
    ['fibreLossDbPerKm', Number.isFinite(p.fibreLossDbPerKm) && p.fibreLossDbPerKm >= 0],
    ['detectorEfficiency', p.detectorEfficiency > 0 && p.detectorEfficiency <= 1],
    ['darkCountProbability', p.darkCountProbability >= 0 && p.darkCountProbability < 1],
    ['misalignmentError', p.misalignmentError >= 0 && p.misalignmentError <= 0.5],
    [
      'errorCorrectionInefficiency',
      Number.isFinite(p.errorCorrectionInefficiency) && p.errorCorrectionInefficiency >= 1,
    ],
    [
      'signalIntensity',
      p.signalIntensity === 'optimal' ||
        (Number.isFinite(p.signalIntensity) && p.signalIntensity > 0),
    ],
    ['pulseRateHz', Number.isFinite(p.pulseRateHz) && p.pulseRateHz > 0],
    [
      'siftingFactor',
      p.siftingFactor === undefined || (p.siftingFactor > 0 && p.siftingFactor <= 1),
    ],
  ];
  for (const [name, ok] of checks) {
    if (!ok) {
      throw new RangeError(`link parameter ${name} is out of range: ${String(p[name])}`);
    }
  }
}
