import { TimeOrderedKeyIds } from './key-allocator';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The millisecond timestamp in the first 48 bits of a version-7 UUID. */
const timestampOf = (id: string): number => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('TimeOrderedKeyIds', () => {
  const source = new TimeOrderedKeyIds();

  it('hands out canonical lower-case version-7 UUIDs stamped with the current time', () => {
    const before = Date.now();
    const ids = source.next(16);
    const after = Date.now();
    expect(ids).toHaveLength(16);
    for (const id of ids) {
      expect(id).toMatch(UUID_V7);
      expect(timestampOf(id)).toBeGreaterThanOrEqual(before);
      expect(timestampOf(id)).toBeLessThanOrEqual(after);
    }
  });

  it('hands out IDs that sort in the order they were made, within and across calls, never twice', () => {
    // Far more IDs than one millisecond holds: the order must come from more than the timestamp.
    const ids = [...source.next(5000), ...source.next(1), ...source.next(5000)];
    expect(new Set(ids).size).toBe(ids.length);
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
  });

  it('gives each ID of a batch its own random bits', () => {
    // The last 42 bits are random: a batch whose IDs shared them would have read one draw twice.
    const tails = source.next(128).map((id) => id.slice(-10));
    expect(new Set(tails).size).toBe(128);
  });

  it('never reuses random bits, across calls and refills of its pool', () => {
    // 3,000 one-key calls read about 60 KiB: several refills of a 16 KiB pool.
    const tails = Array.from({ length: 3000 }, () => source.next(1)[0].slice(-10));
    expect(new Set(tails).size).toBe(3000);
  });
});
