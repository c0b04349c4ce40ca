import { RateCredit } from './rate-credit';

describe('RateCredit', () => {
  it('earns bytes at the rate, saving up at most a second of it', () => {
    const credit = new RateCredit(8000, 0);
    expect(credit.available(0)).toBe(0);
    expect(credit.available(250)).toBe(250);
    credit.spend(200);
    expect(credit.available(500)).toBe(300);
    expect(credit.available(10_000)).toBe(1000);
  });

  it('earns at the old rate until the change, at the new one after', () => {
    const credit = new RateCredit(8000, 0);
    credit.setRate(80_000, 100);
    expect(credit.available(200)).toBe(100 + 1000);
    credit.setRate(0, 200);
    expect(credit.available(5_000)).toBe(1100);
  });

  it('earns nothing before a reset', () => {
    const credit = new RateCredit(8000, 0);
    credit.reset(900);
    expect(credit.available(1000)).toBe(100);
  });

  it('has no limit at rate Infinity', () => {
    const credit = new RateCredit(Infinity, 0);
    expect(credit.available(0)).toBe(Infinity);
    credit.spend(1e9);
    expect(credit.available(0)).toBe(Infinity);
  });
});
