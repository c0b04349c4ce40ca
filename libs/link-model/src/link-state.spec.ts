import { ABORT_QBER_THRESHOLD } from './abort-threshold';
import { secretKeyRate } from './decoy-key-rate';
import { LinkParameters } from './link-parameters';
import { DARK_COUNTS_ONLY_QBER, DEFAULT_BASELINE_QBER, linkStateOf, NO_FAULTS } from './link-state';
import { LO_MA_CHEN_GYS } from './published-parameters';

const gys50: LinkParameters = { ...LO_MA_CHEN_GYS, fibreLengthKm: 50 };
const down = { quantumChannel: 'down', eavesdropper: false } as const;
const eve = { quantumChannel: 'up', eavesdropper: true } as const;

describe('linkStateOf a physical link', () => {
  it('without faults delivers the decoy-state rate and QBER', () => {
    const physics = secretKeyRate(gys50);
    expect(linkStateOf(gys50, NO_FAULTS)).toEqual({
      qber: physics.qber,
      secretKeyRateBps: physics.secretKeyRateBps,
      generating: true,
      reason: null,
    });
  });

  it('with the quantum channel down delivers nothing and says so', () => {
    expect(linkStateOf(gys50, down)).toEqual({
      qber: DARK_COUNTS_ONLY_QBER,
      secretKeyRateBps: 0,
      generating: false,
      reason: 'the quantum channel is down',
    });
  });

  it('with an eavesdropper raises the QBER above the abort threshold and stops', () => {
    const state = linkStateOf(gys50, eve);
    const expected = 0.25 + secretKeyRate(gys50).qber / 2;
    expect(state.qber).toBeCloseTo(expected, 12);
    expect(state.qber).toBeGreaterThan(ABORT_QBER_THRESHOLD);
    expect(state.secretKeyRateBps).toBe(0);
    expect(state.generating).toBe(false);
    expect(state.reason).toBe(
      `QBER ${(100 * expected).toFixed(1)}% above the abort threshold 11.0%`,
    );
  });

  it('beyond the cut-off generates nothing and says why', () => {
    const state = linkStateOf({ ...gys50, fibreLengthKm: 145 }, NO_FAULTS);
    expect(state.qber).toBeLessThan(ABORT_QBER_THRESHOLD);
    expect(state.secretKeyRateBps).toBe(0);
    expect(state.generating).toBe(false);
    expect(state.reason).toMatch(/145 km.*cut-off/);
  });

  it('aborts on the QBER alone when dark counts dominate, eavesdropper or not', () => {
    const state = linkStateOf({ ...gys50, fibreLengthKm: 400 }, NO_FAULTS);
    expect(state.qber).toBeGreaterThan(ABORT_QBER_THRESHOLD);
    expect(state.reason).toMatch(/above the abort threshold/);
  });

  it('lets a channel that is down win over an eavesdropper', () => {
    const state = linkStateOf(gys50, { quantumChannel: 'down', eavesdropper: true });
    expect(state.reason).toBe('the quantum channel is down');
  });
});

describe('linkStateOf a fixed-rate link', () => {
  it('delivers the fixed rate at the baseline QBER', () => {
    expect(linkStateOf({ fixedRateBps: 1e6 }, NO_FAULTS)).toEqual({
      qber: DEFAULT_BASELINE_QBER,
      secretKeyRateBps: 1e6,
      generating: true,
      reason: null,
    });
    expect(DEFAULT_BASELINE_QBER).toBe(0.02);
  });

  it('takes its own baseline QBER when given one', () => {
    expect(linkStateOf({ fixedRateBps: 1e6, baselineQber: 0.01 }, NO_FAULTS).qber).toBe(0.01);
  });

  it('follows the same fault rules', () => {
    expect(linkStateOf({ fixedRateBps: 1e6 }, down)).toMatchObject({
      secretKeyRateBps: 0,
      generating: false,
      reason: 'the quantum channel is down',
    });
    expect(linkStateOf({ fixedRateBps: 1e6 }, eve)).toEqual({
      qber: 0.26,
      secretKeyRateBps: 0,
      generating: false,
      reason: 'QBER 26.0% above the abort threshold 11.0%',
    });
  });

  it('aborts when its baseline QBER is already above the threshold', () => {
    const state = linkStateOf({ fixedRateBps: 1e6, baselineQber: 0.12 }, NO_FAULTS);
    expect(state).toMatchObject({ secretKeyRateBps: 0, generating: false });
    expect(state.reason).toBe('QBER 12.0% above the abort threshold 11.0%');
  });

  it('at rate 0 is not generating', () => {
    expect(linkStateOf({ fixedRateBps: 0 }, NO_FAULTS)).toMatchObject({
      generating: false,
      reason: 'the fixed key rate is 0',
    });
  });

  it('refuses a negative rate or an impossible QBER', () => {
    expect(() => linkStateOf({ fixedRateBps: -1 }, NO_FAULTS)).toThrow(RangeError);
    expect(() => linkStateOf({ fixedRateBps: 1, baselineQber: 0.7 }, NO_FAULTS)).toThrow(
      RangeError,
    );
  });
});
