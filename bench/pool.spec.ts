import { measureRelay, waitForPools } from './pool';

const never = new AbortController().signal;

/** A probe answering the given counts in turn, then the last one forever. */
function probeOf(counts: readonly (number | Error)[]) {
  let index = 0;
  return () => {
    const next = counts[Math.min(index++, counts.length - 1)];
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
}

describe('measureRelay', () => {
  const options = { capKeys: 100, keyBits: 256, intervalMs: 1, timeoutMs: 5_000, signal: never };

  it('takes the rate from the last empty sample to the first full one', async () => {
    const result = await measureRelay(
      probeOf([new Error('starting'), 0, 0, 40, 80, 100, 100]),
      options,
    );
    expect(result.complete).toBe(true);
    expect(result.fromCount).toBe(0);
    expect(result.keys).toBe(100);
    expect(result.samples).toBe(5);
    expect(result.ms).toBeGreaterThan(0);
    expect(result.mbitPerSec).toBeCloseTo((100 * 256) / (result.ms / 1000) / 1e6, 6);
  });

  it('starts from the first sample when material was there before it', async () => {
    const result = await measureRelay(probeOf([30, 60, 100]), options);
    expect(result.fromCount).toBe(30);
    expect(result.keys).toBe(70);
  });

  it('reports an incomplete fill after the timeout', async () => {
    const result = await measureRelay(probeOf([0, 10, 20]), { ...options, timeoutMs: 30 });
    expect(result.complete).toBe(false);
    expect(result.keys).toBe(20);
  });
});

describe('waitForPools', () => {
  it('waits until every probe reports enough keys', async () => {
    const lowest: number[] = [];
    const full = await waitForPools([probeOf([5, 50]), probeOf([50])], 50, 5_000, never, (count) =>
      lowest.push(count),
    );
    expect(full).toBe(true);
    expect(lowest).toEqual([5, 50]);
  });

  it('gives up after the timeout, counting a failing probe as empty', async () => {
    expect(await waitForPools([probeOf([new Error('down')])], 1, 10, never)).toBe(false);
  });
});
