import { ABORT_QBER_THRESHOLD } from './abort-threshold';
import { binaryEntropy } from './binary-entropy';

describe('binaryEntropy', () => {
  it('is 0 at certainty and 1 bit at a fair coin', () => {
    expect(binaryEntropy(0)).toBe(0);
    expect(binaryEntropy(1)).toBe(0);
    expect(binaryEntropy(0.5)).toBe(1);
  });

  it('is symmetric and matches a hand-computed value', () => {
    // H2(0.11) = −0.11·log2 0.11 − 0.89·log2 0.89 = 0.49991596…
    expect(binaryEntropy(0.11)).toBeCloseTo(0.499916, 6);
    expect(binaryEntropy(0.89)).toBeCloseTo(binaryEntropy(0.11), 12);
  });

  it('refuses what is not a probability', () => {
    expect(() => binaryEntropy(-0.1)).toThrow(RangeError);
    expect(() => binaryEntropy(Number.NaN)).toThrow(RangeError);
  });
});

describe('ABORT_QBER_THRESHOLD', () => {
  it('is the Shor–Preskill bound 0.110028, where 1 − 2·H2(e) = 0', () => {
    expect(ABORT_QBER_THRESHOLD).toBeCloseTo(0.110028, 6);
    expect(1 - 2 * binaryEntropy(ABORT_QBER_THRESHOLD)).toBeCloseTo(0, 12);
  });
});
