/**
 * QBER an intercept-resend eavesdropper adds on the sifted key when she measures every pulse in a
 * random basis and resends what she saw: half the time she guesses the basis wrong and Bob's
 * result is random, so 1/2 · 1/2 = 25% (N. Gisin, G. Ribordy, W. Tittel and H. Zbinden,
 * "Quantum cryptography", Rev. Mod. Phys. 74, 145 (2002)).
 */
export const INTERCEPT_RESEND_QBER = 0.25;

/**
 * The link's own errors and Eve's act as two independent bit flips in a row (two binary symmetric
 * channels in cascade), so a bit ends up wrong when exactly one of them flips it:
 *
 *   E = E_link·(1 − E_eve) + E_eve·(1 − E_link) = E_link + E_eve·(1 − 2·E_link),  E_eve = 1/4,
 *
 * i.e. E = 1/4 + E_link/2. The same result follows directly: with probability 1/2 Eve picks
 * Alice's basis and the pulse sees only the link's errors (E_link), otherwise Bob's bit is random
 * (1/2). Eve is assumed to resend so that Bob's detection rate, and with it E_link, is unchanged.
 */
export function interceptResendQber(linkQber: number): number {
  if (!(linkQber >= 0 && linkQber <= 0.5)) {
    throw new RangeError(`linkQber must be in [0, 0.5], got ${linkQber}`);
  }
  return linkQber + INTERCEPT_RESEND_QBER * (1 - 2 * linkQber);
}
