// The contract of MasterMaterial: AllocatingPool's spec, run against the SQLite store on a file
// and on ':memory:'. Only construction differs: a fresh store instead of `new AllocatingPool`,
// its random epoch instead of a fixed name, and `append` as reserve + commit.
import { randomBytes } from 'node:crypto';
import {
  InsufficientKeyMaterialError,
  type Allocation,
  type MaterialBlock,
  type MaterialRange,
} from '@app/key-pool';
import { errorOf, prng } from './test-helpers';
import { TARGETS, append, storeHarness } from '../test/store-harness';

/** The bytes of `ranges` read from a reference copy of the whole stream. */
function readStream(stream: Buffer, ranges: readonly MaterialRange[]): Buffer {
  return Buffer.concat(ranges.map(({ start, end }) => stream.subarray(start, end)));
}

describe.each(TARGETS)('MasterMaterial on $name', (target) => {
  const stores = storeHarness(target);
  const newPool = () => stores.master().material;

  it('starts empty', () => {
    const pool = newPool();
    expect(pool.epoch).toMatch(/^[0-9a-f-]{36}$/);
    expect(pool.availableBytes).toBe(0);
    expect(() => pool.allocate(1)).toThrow(InsufficientKeyMaterialError);
  });

  it('places blocks back to back in the stream', () => {
    const pool = newPool();
    const a = randomBytes(10);
    const b = randomBytes(7);
    expect(append(pool, a)).toEqual({ epoch: pool.epoch, start: 0, bytes: a });
    expect(append(pool, b)).toEqual({ epoch: pool.epoch, start: 10, bytes: b });
    expect(pool.availableBytes).toBe(17);
  });

  it('makes a reserved block allocatable only once it is committed', () => {
    const pool = newPool();
    const e = pool.epoch;
    const block = pool.reserve(randomBytes(8));
    expect(block.start).toBe(0);
    expect(pool.availableBytes).toBe(0);
    expect(() => pool.allocate(1)).toThrow(InsufficientKeyMaterialError);
    expect(pool.reserve(randomBytes(4)).start).toBe(8); // positions are taken at reservation

    expect(pool.commit(block)).toBe(true);
    expect(pool.availableBytes).toBe(8);
    const allocation = pool.allocate(8);
    expect(allocation.ranges).toEqual([{ epoch: e, start: 0, end: 8 }]);
    expect(allocation.bytes.equals(block.bytes)).toBe(true);
  });

  it('hands out stream-ordered, non-overlapping ranges holding the stream bytes (property)', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const random = prng(seed);
      const pool = newPool();
      const epoch = pool.epoch;
      const reserved: Buffer[] = [];
      const committed: MaterialRange[] = [];
      const allocations: Allocation[] = [];
      let committedBytes = 0;
      let allocatedBytes = 0;

      for (let step = 0; step < 200; step++) {
        if (random(3) === 0 || pool.availableBytes === 0) {
          const block = pool.reserve(randomBytes(1 + random(300)));
          reserved.push(block.bytes);
          if (random(5) !== 0) {
            // Most blocks ship; the others failed to ship and leave a hole in the stream.
            expect(pool.commit(block)).toBe(true);
            committed.push({ epoch, start: block.start, end: block.start + block.bytes.length });
            committedBytes += block.bytes.length;
          }
        } else {
          const length = 1 + random(Math.min(pool.availableBytes, 400));
          const allocation = pool.allocate(length);
          expect(allocation.bytes.length).toBe(length);
          allocations.push(allocation);
          allocatedBytes += length;
        }
        expect(pool.availableBytes).toBe(committedBytes - allocatedBytes);
      }

      const stream = Buffer.concat(reserved);
      // Committed blocks are disjoint, so a range lies in them when its overlaps add up to it.
      const inCommitted = ({ start, end }: MaterialRange) =>
        committed.reduce(
          (sum, block) =>
            sum + Math.max(0, Math.min(end, block.end) - Math.max(start, block.start)),
          0,
        ) ===
        end - start;
      let previousEnd = 0;
      let rangeBytes = 0;
      for (const { ranges, bytes } of allocations) {
        expect(ranges.length).toBeGreaterThan(0);
        expect(readStream(stream, ranges).equals(bytes)).toBe(true);
        for (const [index, piece] of ranges.entries()) {
          expect(piece.epoch).toBe(epoch);
          expect(piece.end).toBeGreaterThan(piece.start);
          // Only moves forward, never touching an earlier allocation; adjacent pieces are merged.
          if (index === 0) expect(piece.start).toBeGreaterThanOrEqual(previousEnd);
          else expect(piece.start).toBeGreaterThan(previousEnd);
          expect(inCommitted(piece)).toBe(true);
          previousEnd = piece.end;
          rangeBytes += piece.end - piece.start;
        }
      }
      expect(rangeBytes).toBe(allocatedBytes);
    }
  });

  it('allocates across adjacent blocks as one range, including exact block boundaries', () => {
    const pool = newPool();
    const e = pool.epoch;
    const blocks = [randomBytes(4), randomBytes(4), randomBytes(4), randomBytes(4)];
    for (const block of blocks) append(pool, block);
    const stream = Buffer.concat(blocks);

    const spanning = pool.allocate(10); // all of blocks 0 and 1, half of block 2
    expect(spanning.ranges).toEqual([{ epoch: e, start: 0, end: 10 }]);
    expect(spanning.bytes.equals(stream.subarray(0, 10))).toBe(true);
    expect(pool.availableBytes).toBe(6);

    const toBoundary = pool.allocate(2); // the rest of block 2
    expect(toBoundary.ranges).toEqual([{ epoch: e, start: 10, end: 12 }]);
    expect(toBoundary.bytes.equals(stream.subarray(10, 12))).toBe(true);

    const lastBlock = pool.allocate(4);
    expect(lastBlock.ranges).toEqual([{ epoch: e, start: 12, end: 16 }]);
    expect(lastBlock.bytes).toEqual(blocks[3]);
    expect(pool.availableBytes).toBe(0);
    expect(() => pool.allocate(1)).toThrow(InsufficientKeyMaterialError);
  });

  it('serves one allocation from many small blocks', () => {
    const pool = newPool();
    const e = pool.epoch;
    const blocks = Array.from({ length: 50 }, () => randomBytes(3));
    for (const block of blocks) append(pool, block);
    const all = pool.allocate(150);
    expect(all.ranges).toEqual([{ epoch: e, start: 0, end: 150 }]);
    expect(all.bytes.equals(Buffer.concat(blocks))).toBe(true);
    expect(pool.availableBytes).toBe(0);
  });

  it('skips a block that was never committed, splitting the allocation in two ranges', () => {
    const pool = newPool();
    const e = pool.epoch;
    const first = pool.reserve(randomBytes(6));
    pool.reserve(randomBytes(5)); // lost: never committed
    const third = pool.reserve(randomBytes(6));
    pool.commit(first);
    pool.commit(third);

    const allocation = pool.allocate(8);
    expect(allocation.ranges).toEqual([
      { epoch: e, start: 0, end: 6 },
      { epoch: e, start: 11, end: 13 },
    ]);
    expect(allocation.bytes.equals(Buffer.concat([first.bytes, third.bytes.subarray(0, 2)]))).toBe(
      true,
    );
    expect(pool.availableBytes).toBe(4);
  });

  it('refuses an allocation larger than what is available and changes nothing', () => {
    const pool = newPool();
    const e = pool.epoch;
    const block = randomBytes(10);
    append(pool, block);
    pool.allocate(4);

    const error = errorOf(() => pool.allocate(7));
    expect(error).toBeInstanceOf(InsufficientKeyMaterialError);
    const insufficient = error as InsufficientKeyMaterialError;
    expect(insufficient.requestedBytes).toBe(7);
    expect(insufficient.availableBytes).toBe(6);
    expect(insufficient.message).toContain('56 bits requested, 48 bits available');

    expect(pool.availableBytes).toBe(6);
    const rest = pool.allocate(6);
    expect(rest.ranges).toEqual([{ epoch: e, start: 4, end: 10 }]);
    expect(rest.bytes.equals(block.subarray(4))).toBe(true);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects the allocation length %p without consuming material',
    (length) => {
      const pool = newPool();
      const block = randomBytes(8);
      append(pool, block);
      expect(() => pool.allocate(length)).toThrow(RangeError);
      expect(pool.availableBytes).toBe(8);
      expect(pool.allocate(8).bytes.equals(block)).toBe(true);
    },
  );

  it('continues the stream after discardUnallocated without reusing offsets', () => {
    const pool = newPool();
    const e = pool.epoch;
    append(pool, randomBytes(10));
    const before = pool.allocate(3);
    expect(before.ranges).toEqual([{ epoch: e, start: 0, end: 3 }]);

    expect(pool.discardUnallocated()).toBe(10);
    expect(pool.availableBytes).toBe(0);
    expect(() => pool.allocate(1)).toThrow(InsufficientKeyMaterialError);

    const fresh = randomBytes(5);
    expect(append(pool, fresh).start).toBe(10);
    const after = pool.allocate(5);
    expect(after.ranges).toEqual([{ epoch: e, start: 10, end: 15 }]);
    expect(after.bytes.equals(fresh)).toBe(true);
    expect(pool.availableBytes).toBe(0);
  });

  it('discards a partly allocated head block entirely', () => {
    const pool = newPool();
    const e = pool.epoch;
    append(pool, randomBytes(6));
    append(pool, randomBytes(6));
    pool.allocate(8); // the head is now the middle of block 1
    expect(pool.discardUnallocated()).toBe(12);
    const fresh = randomBytes(4);
    append(pool, fresh);
    const next = pool.allocate(4);
    expect(next.ranges).toEqual([{ epoch: e, start: 12, end: 16 }]);
    expect(next.bytes.equals(fresh)).toBe(true);
  });

  it('voids blocks reserved before discardUnallocated and accepts those reserved after', () => {
    const pool = newPool();
    const e = pool.epoch;
    const inFlight = pool.reserve(randomBytes(8));
    expect(pool.discardUnallocated()).toBe(8);
    const after = pool.reserve(randomBytes(4));
    expect(after.start).toBe(8);

    expect(pool.commit(inFlight)).toBe(false);
    expect(pool.availableBytes).toBe(0);
    expect(pool.commit(after)).toBe(true);
    expect(pool.availableBytes).toBe(4);
    expect(pool.allocate(4).ranges).toEqual([{ epoch: e, start: 8, end: 12 }]);
  });

  it('refuses a block of another epoch', () => {
    const pool = newPool();
    const foreign: MaterialBlock = { epoch: 'other', start: 0, bytes: randomBytes(8) };
    expect(pool.commit(foreign)).toBe(false);
    expect(pool.availableBytes).toBe(0);
  });

  it('refuses blocks committed out of reservation order', () => {
    const pool = newPool();
    const first = pool.reserve(randomBytes(4));
    const second = pool.reserve(randomBytes(4));
    pool.commit(second);
    expect(() => pool.commit(first)).toThrow('out of order');
    expect(pool.availableBytes).toBe(4);
  });

  it('never hands out a block twice, even when it is committed again after use', () => {
    const pool = newPool();
    const block = append(pool, randomBytes(8));
    expect(() => pool.commit(block)).toThrow('out of order');
    expect(pool.availableBytes).toBe(8);

    pool.allocate(8); // the pool is now empty: nothing to compare against but history
    expect(() => pool.commit(block)).toThrow('out of order');
    expect(pool.availableBytes).toBe(0);
    expect(() => pool.allocate(8)).toThrow(InsufficientKeyMaterialError);
  });

  it('returns a copy that does not alias the pool material', () => {
    const pool = newPool();
    const block = randomBytes(8);
    const original = Buffer.from(block);
    append(pool, block);
    const first = pool.allocate(4);
    first.bytes.fill(0);
    expect(block.equals(original)).toBe(true);
    expect(pool.allocate(4).bytes.equals(original.subarray(4))).toBe(true);
  });
});
