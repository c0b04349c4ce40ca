import { INTERCEPT_RESEND_QBER, interceptResendQber } from './eavesdropper';

describe('interceptResendQber', () => {
  it('is 25% on a noiseless link', () => {
    expect(interceptResendQber(0)).toBe(INTERCEPT_RESEND_QBER);
    expect(INTERCEPT_RESEND_QBER).toBe(0.25);
  });

  it('composes with the link as two independent bit flips: 1/4 + E_link/2', () => {
    for (const link of [0.01, 0.02, 0.033, 0.1]) {
      const viaCascade = link * (1 - 0.25) + 0.25 * (1 - link);
      expect(interceptResendQber(link)).toBeCloseTo(viaCascade, 12);
      expect(interceptResendQber(link)).toBeCloseTo(0.25 + link / 2, 12);
    }
  });

  it('leaves a random link random', () => {
    expect(interceptResendQber(0.5)).toBe(0.5);
  });

  it('refuses a QBER outside [0, 0.5]', () => {
    expect(() => interceptResendQber(0.6)).toThrow(RangeError);
  });
});
