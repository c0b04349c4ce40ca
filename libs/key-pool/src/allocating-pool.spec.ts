import { randomBytes } from 'node:crypto';
import { AllocatingPool, type Allocation } from './allocating-pool';
import { InsufficientKeyMaterialError } from './errors';

/** Small deterministic PRNG so a failing property run can be replayed from its seed. */
function prng(seed: number): (maxExclusive: number) => number {
  let state = seed >>> 0;
  return (maxExclusive) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % maxExclusive;
  };
}

describe('AllocatingPool', () => {
  it('starts empty at stream offset 0', () => {
    const pool = new AllocatingPool('epoch-a');
    expect(pool.epoch).toBe('epoch-a');
    expect(pool.availableBytes).toBe(0);
    expect(pool.streamEnd).toBe(0);
    expect(() => pool.allocate(1)).toThrow(InsufficientKeyMaterialError);
  });

  it('places appended blocks back to back in the stream', () => {
    const pool = new AllocatingPool('epoch-a');
    const a = randomBytes(10);
    const b = randomBytes(7);
    const first = pool.append(a);
    const second = pool.append(b);
    expect(first).toEqual({ epoch: 'epoch-a', start: 0, bytes: a });
    expect(second).toEqual({ epoch: 'epoch-a', start: 10, bytes: b });
    expect(pool.streamEnd).toBe(17);
    expect(pool.availableBytes).toBe(17);
  });

  it('hands out consecutive, non-overlapping ranges whose bytes match the stream (property)', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const random = prng(seed);
      const pool = new AllocatingPool(`epoch-${seed}`);
      const stream: Buffer[] = [];
      const allocations: Allocation[] = [];
      let appended = 0;
      let allocated = 0;

      for (let step = 0; step < 200; step++) {
        if (random(3) === 0 || pool.availableBytes === 0) {
          const block = randomBytes(1 + random(300));
          pool.append(block);
          stream.push(block);
          appended += block.length;
        } else {
          const length = 1 + random(Math.min(pool.availableBytes, 400));
          const allocation = pool.allocate(length);
          allocations.push(allocation);
          allocated += length;
        }
        expect(pool.availableBytes).toBe(appended - allocated);
        expect(pool.streamEnd).toBe(appended);
      }

      const reference = Buffer.concat(stream);
      let expectedStart = 0;
      for (const { range, bytes } of allocations) {
        expect(range.epoch).toBe(`epoch-${seed}`);
        expect(range.start).toBe(expectedStart);
        expect(range.end).toBeGreaterThan(range.start);
        expect(bytes.length).toBe(range.end - range.start);
        expect(bytes.equals(reference.subarray(range.start, range.end))).toBe(true);
        expectedStart = range.end;
      }
      expect(expectedStart).toBe(allocated);
    }
  });

  it('allocates across several blocks, including exact block boundaries', () => {
    const pool = new AllocatingPool('e');
    const blocks = [randomBytes(4), randomBytes(4), randomBytes(4), randomBytes(4)];
    for (const block of blocks) pool.append(block);
    const reference = Buffer.concat(blocks);

    const spanning = pool.allocate(10); // all of block 0 and 1, half of block 2
    expect(spanning.range).toEqual({ epoch: 'e', start: 0, end: 10 });
    expect(spanning.bytes.equals(reference.subarray(0, 10))).toBe(true);
    expect(pool.availableBytes).toBe(6);

    const toBoundary = pool.allocate(2); // the rest of block 2
    expect(toBoundary.range).toEqual({ epoch: 'e', start: 10, end: 12 });
    expect(toBoundary.bytes.equals(reference.subarray(10, 12))).toBe(true);

    const lastBlock = pool.allocate(4);
    expect(lastBlock.range).toEqual({ epoch: 'e', start: 12, end: 16 });
    expect(lastBlock.bytes.equals(blocks[3]!)).toBe(true);
    expect(pool.availableBytes).toBe(0);
    expect(() => pool.allocate(1)).toThrow(InsufficientKeyMaterialError);
  });

  it('serves a single allocation from many small blocks', () => {
    const pool = new AllocatingPool('e');
    const blocks = Array.from({ length: 50 }, () => randomBytes(3));
    for (const block of blocks) pool.append(block);
    const all = pool.allocate(150);
    expect(all.range).toEqual({ epoch: 'e', start: 0, end: 150 });
    expect(all.bytes.equals(Buffer.concat(blocks))).toBe(true);
    expect(pool.availableBytes).toBe(0);
  });

  it('refuses an allocation larger than what is available and changes nothing', () => {
    const pool = new AllocatingPool('e');
    const block = randomBytes(10);
    pool.append(block);
    pool.allocate(4);

    let error: unknown;
    try {
      pool.allocate(7);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InsufficientKeyMaterialError);
    const insufficient = error as InsufficientKeyMaterialError;
    expect(insufficient.requestedBytes).toBe(7);
    expect(insufficient.availableBytes).toBe(6);
    expect(insufficient.message).toContain('56 bits requested');
    expect(insufficient.message).toContain('48 bits available');

    expect(pool.availableBytes).toBe(6);
    const rest = pool.allocate(6);
    expect(rest.range).toEqual({ epoch: 'e', start: 4, end: 10 });
    expect(rest.bytes.equals(block.subarray(4))).toBe(true);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects the allocation length %p without consuming material',
    (length) => {
      const pool = new AllocatingPool('e');
      const block = randomBytes(8);
      pool.append(block);
      expect(() => pool.allocate(length)).toThrow(RangeError);
      expect(pool.availableBytes).toBe(8);
      expect(pool.allocate(8).bytes.equals(block)).toBe(true);
    },
  );

  it('continues the stream after discardUnallocated without reusing offsets', () => {
    const pool = new AllocatingPool('e');
    const old = randomBytes(10);
    pool.append(old);
    const before = pool.allocate(3);
    expect(before.range).toEqual({ epoch: 'e', start: 0, end: 3 });

    pool.discardUnallocated();
    expect(pool.availableBytes).toBe(0);
    expect(pool.streamEnd).toBe(10);
    expect(() => pool.allocate(1)).toThrow(InsufficientKeyMaterialError);

    const fresh = randomBytes(5);
    expect(pool.append(fresh).start).toBe(10);
    const after = pool.allocate(5);
    expect(after.range).toEqual({ epoch: 'e', start: 10, end: 15 });
    expect(after.bytes.equals(fresh)).toBe(true);
    expect(pool.availableBytes).toBe(0);
  });

  it('discards a partly allocated head block entirely', () => {
    const pool = new AllocatingPool('e');
    pool.append(randomBytes(6));
    pool.append(randomBytes(6));
    pool.allocate(8); // head is now the middle of block 1
    pool.discardUnallocated();
    const fresh = randomBytes(4);
    pool.append(fresh);
    const next = pool.allocate(4);
    expect(next.range.start).toBe(12);
    expect(next.bytes.equals(fresh)).toBe(true);
  });

  it('returns a copy that does not alias the pool material', () => {
    const pool = new AllocatingPool('e');
    const block = randomBytes(8);
    const original = Buffer.from(block);
    pool.append(block);
    const first = pool.allocate(4);
    first.bytes.fill(0);
    expect(block.equals(original)).toBe(true);
    expect(pool.allocate(4).bytes.equals(original.subarray(4))).toBe(true);
  });
});
