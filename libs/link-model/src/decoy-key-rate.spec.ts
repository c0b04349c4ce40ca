import { cutOffDistanceKm } from './cut-off-distance';
import { secretKeyRate } from './decoy-key-rate';
import { LinkParameters } from './link-parameters';
import {
  LO_MA_CHEN_GYS,
  LO_MA_CHEN_GYS_MAX_DISTANCE_KM,
  LO_MA_CHEN_GYS_OPTIMAL_MU,
} from './published-parameters';

const gysAt = (fibreLengthKm: number): LinkParameters => ({ ...LO_MA_CHEN_GYS, fibreLengthKm });

describe('secretKeyRate', () => {
  describe('against Lo–Ma–Chen, PRL 94, 230504 (2005), GYS parameters, infinite decoys', () => {
    it('reaches the reported maximal secure distance of about 142 km (±1.5 km)', () => {
      const cutOff = cutOffDistanceKm(LO_MA_CHEN_GYS);
      expect(Math.abs(cutOff - LO_MA_CHEN_GYS_MAX_DISTANCE_KM)).toBeLessThanOrEqual(1.5);
    });

    it('finds an optimal μ of order 1, about 0.5 (0.40–0.60), from 0 to 100 km', () => {
      for (const km of [0, 50, 100]) {
        const { mu } = secretKeyRate(gysAt(km));
        expect(mu).toBeGreaterThanOrEqual(LO_MA_CHEN_GYS_OPTIMAL_MU.min);
        expect(mu).toBeLessThanOrEqual(LO_MA_CHEN_GYS_OPTIMAL_MU.max);
      }
    });
  });

  describe('limits', () => {
    it('falls strictly with distance while positive, and is 0 beyond the cut-off', () => {
      const cutOff = cutOffDistanceKm(LO_MA_CHEN_GYS);
      let previous = Infinity;
      for (let km = 0; km <= 200; km += 1) {
        const { secretKeyRateBps } = secretKeyRate(gysAt(km));
        if (km < cutOff) {
          expect(secretKeyRateBps).toBeGreaterThan(0);
          expect(secretKeyRateBps).toBeLessThan(previous);
        } else {
          expect(secretKeyRateBps).toBe(0);
        }
        previous = secretKeyRateBps;
      }
      expect(secretKeyRate(gysAt(cutOff - 0.01)).secretKeyRateBps).toBeGreaterThan(0);
      expect(secretKeyRate(gysAt(cutOff + 0.01)).secretKeyRateBps).toBe(0);
    });

    it('has a QBER of e_det at 0 km (within the dark counts’ share, 1e-4)', () => {
      const { qber } = secretKeyRate(gysAt(0));
      expect(Math.abs(qber - LO_MA_CHEN_GYS.misalignmentError)).toBeLessThan(1e-4);
    });

    it('has a QBER that climbs towards 1/2 as dark counts take over', () => {
      const qbers = [0, 100, 200, 400].map((km) => secretKeyRate(gysAt(km)).qber);
      expect([...qbers].sort((a, b) => a - b)).toEqual(qbers);
      expect(qbers[3]).toBeGreaterThan(0.45);
    });
  });

  describe('the formula itself', () => {
    const ideal: LinkParameters = {
      fibreLengthKm: 0,
      fibreLossDbPerKm: 0.2,
      detectorEfficiency: 0.5,
      darkCountProbability: 0,
      misalignmentError: 0,
      errorCorrectionInefficiency: 1,
      signalIntensity: 0.5,
      pulseRateHz: 1e9,
    };

    it('without noise keeps only the single photons: R = q·η·μ·e^(−μ)', () => {
      const r = secretKeyRate(ideal);
      expect(r.secretBitsPerPulse).toBeCloseTo(0.5 * 0.5 * 0.5 * Math.exp(-0.5), 12);
      expect(r.gain).toBeCloseTo(1 - Math.exp(-0.25), 12);
      expect(r.qber).toBe(0);
      expect(r.mu).toBe(0.5);
    });

    it('applies the fibre loss in dB: 10 km at 0.3 dB/km halves η (3 dB)', () => {
      const atTenKm = secretKeyRate({ ...ideal, fibreLengthKm: 10, fibreLossDbPerKm: 0.30103 });
      expect(atTenKm.secretBitsPerPulse).toBeCloseTo(0.5 * 0.25 * 0.5 * Math.exp(-0.5), 6);
    });

    it('scales with the sifting factor, 1/2 by default, and with the pulse rate', () => {
      const half = secretKeyRate(ideal);
      const full = secretKeyRate({ ...ideal, siftingFactor: 1 });
      expect(full.secretBitsPerPulse).toBeCloseTo(2 * half.secretBitsPerPulse, 12);
      expect(half.secretKeyRateBps).toBeCloseTo(half.secretBitsPerPulse * 1e9, 3);
    });

    it('mixes in dark counts as random bits: E_μ·Q_μ = Y_0/2 + e_det(1 − e^(−ημ))', () => {
      const noisy = { ...ideal, darkCountProbability: 1e-3, misalignmentError: 0.02 };
      const clicks = 1 - Math.exp(-0.25);
      const r = secretKeyRate(noisy);
      expect(r.gain).toBeCloseTo(1e-3 + clicks, 12);
      expect(r.qber * r.gain).toBeCloseTo(0.5e-3 + 0.02 * clicks, 12);
    });

    it('with μ = optimal does at least as well as any fixed μ', () => {
      const optimal = secretKeyRate(gysAt(60)).secretBitsPerPulse;
      for (let mu = 0.05; mu <= 1.5; mu += 0.05) {
        const fixed = secretKeyRate({ ...gysAt(60), signalIntensity: mu }).secretBitsPerPulse;
        expect(optimal).toBeGreaterThanOrEqual(fixed);
      }
    });

    it('clamps a negative rate to 0', () => {
      const r = secretKeyRate({ ...ideal, misalignmentError: 0.2 });
      expect(r.secretBitsPerPulse).toBe(0);
      expect(r.secretKeyRateBps).toBe(0);
    });

    it('refuses unphysical parameters, naming them', () => {
      expect(() => secretKeyRate({ ...ideal, detectorEfficiency: 1.5 })).toThrow(
        /detectorEfficiency/,
      );
      expect(() => secretKeyRate({ ...ideal, fibreLengthKm: -1 })).toThrow(/fibreLengthKm/);
      expect(() => secretKeyRate({ ...ideal, errorCorrectionInefficiency: 0.9 })).toThrow(
        RangeError,
      );
      expect(() => secretKeyRate({ ...ideal, signalIntensity: 0 })).toThrow(/signalIntensity/);
    });
  });
});

describe('cutOffDistanceKm', () => {
  it('is 0 for hardware that makes no key at all', () => {
    expect(cutOffDistanceKm({ ...LO_MA_CHEN_GYS, misalignmentError: 0.2 })).toBe(0);
  });

  it('is Infinity for a lossless fibre', () => {
    expect(cutOffDistanceKm({ ...LO_MA_CHEN_GYS, fibreLossDbPerKm: 0 })).toBe(Infinity);
  });
});
