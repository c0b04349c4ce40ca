// The contract of ReplicaMaterial: ReplicaPool's spec, run against the SQLite store on a file
// and on ':memory:'. Only construction differs: fresh stores instead of `new ReplicaPool` and
// `new AllocatingPool`; where a test only needs blocks of a named epoch, `streamOf` makes them.
import { randomBytes } from 'node:crypto';
import {
  MaterialReusedError,
  MaterialUnavailableError,
  type Allocation,
  type MaterialBlock,
  type MaterialRange,
} from '@app/key-pool';
import { errorOf, prng } from './test-helpers';
import { TARGETS, storeHarness } from '../test/store-harness';

function shuffle<T>(items: readonly T[], random: (maxExclusive: number) => number): T[] {
  return items
    .map((item) => ({ item, rank: random(2 ** 31) }))
    .sort((a, b) => a.rank - b.rank)
    .map(({ item }) => item);
}

const range = (start: number, end: number, epoch = 'e'): MaterialRange => ({ epoch, start, end });

/** Consecutive blocks of one epoch's stream, as a master KME ships them. */
function streamOf(epoch: string) {
  let next = 0;
  return {
    append(bytes: Buffer): MaterialBlock {
      const block = { epoch, start: next, bytes };
      next += bytes.length;
      return block;
    },
  };
}

describe.each(TARGETS)('ReplicaMaterial on $name', (target) => {
  const stores = storeHarness(target);
  const newReplica = () => stores.slave().material;

  /** A stream of `sizes` random blocks and a replica holding the same blocks. */
  function linkedPair(sizes: readonly number[], epoch = 'e') {
    const master = streamOf(epoch);
    const blocks = sizes.map((size) => master.append(randomBytes(size)));
    const replica = newReplica();
    replica.reset(epoch, 0);
    for (const block of blocks) expect(replica.add(block)).toBe(true);
    return { master, replica, blocks, stream: Buffer.concat(blocks.map((b) => b.bytes)) };
  }

  it('holds nothing and accepts nothing before the first reset', () => {
    const replica = newReplica();
    expect(replica.epoch).toBeUndefined();
    expect(replica.availableBytes).toBe(0);
    expect(replica.add({ epoch: 'e', start: 0, bytes: randomBytes(8) })).toBe(false);
    expect(replica.availableBytes).toBe(0);
    expect(replica.holds(range(0, 8))).toBe(false);
    expect(() => replica.cut([range(0, 8)])).toThrow(MaterialUnavailableError);
  });

  it('cuts exactly the bytes the master KME allocated, in any order (property)', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const random = prng(seed);
      const master = stores.master().material;
      const epoch = master.epoch;
      const replica = newReplica();
      replica.reset(epoch, 0);
      for (let blocks = 1 + random(20); blocks > 0; blocks--) {
        const block = master.reserve(randomBytes(1 + random(256)));
        const shipped = random(6) !== 0;
        // A block whose shipping failed may or may not have reached the slave KME.
        if (shipped || random(2) === 0) expect(replica.add(block)).toBe(true);
        if (shipped) master.commit(block);
      }
      const total = master.availableBytes;
      expect(replica.availableBytes).toBeGreaterThanOrEqual(total);
      const unshipped = replica.availableBytes - total;

      const allocations: Allocation[] = [];
      while (master.availableBytes > 0 && random(10) !== 0) {
        allocations.push(master.allocate(1 + random(Math.min(master.availableBytes, 300))));
      }

      let cut = 0;
      for (const { ranges, bytes } of shuffle(allocations, random)) {
        for (const piece of ranges) expect(replica.holds(piece)).toBe(true);
        expect(replica.cut(ranges).equals(bytes)).toBe(true);
        cut += bytes.length;
        expect(replica.availableBytes).toBe(total + unshipped - cut);
      }
      // What the master KME did not allocate is exactly what the replica still has unused.
      expect(replica.availableBytes).toBe(master.availableBytes + unshipped);

      for (const { ranges } of allocations) {
        expect(() => replica.cut(ranges)).toThrow(MaterialReusedError);
        for (const piece of ranges) expect(() => replica.cut([piece])).toThrow(MaterialReusedError);
      }
      expect(replica.availableBytes).toBe(master.availableBytes + unshipped);
    }
  });

  it('cuts several ranges at once, concatenated in the order given', () => {
    const { replica, stream } = linkedPair([10, 10]);
    const out = replica.cut([range(12, 15), range(2, 4), range(18, 20)]);
    expect(
      out.equals(
        Buffer.concat([stream.subarray(12, 15), stream.subarray(2, 4), stream.subarray(18, 20)]),
      ),
    ).toBe(true);
    expect(replica.availableBytes).toBe(13);
    expect(replica.cut([]).length).toBe(0);
    expect(replica.availableBytes).toBe(13);
  });

  it('refuses several ranges when one of them is used, marking none of them', () => {
    const { replica, stream } = linkedPair([10, 10]);
    replica.cut([range(15, 16)]);
    expect(() => replica.cut([range(0, 5), range(14, 17)])).toThrow(MaterialReusedError);
    expect(replica.availableBytes).toBe(19);
    expect(replica.cut([range(0, 5)]).equals(stream.subarray(0, 5))).toBe(true);
    expect(replica.cut([range(14, 15)]).equals(stream.subarray(14, 15))).toBe(true);
  });

  it('refuses several ranges when one of them has not arrived, marking none of them', () => {
    const { replica, stream } = linkedPair([10]);
    expect(() => replica.cut([range(0, 5), range(8, 12)])).toThrow(MaterialUnavailableError);
    expect(() => replica.cut([range(0, 5), range(0, 0)])).toThrow(RangeError);
    expect(replica.availableBytes).toBe(10);
    expect(replica.cut([range(0, 10)]).equals(stream)).toBe(true);
  });

  it.each([
    ['the same range twice', [range(2, 6), range(2, 6)]],
    ['overlapping ranges', [range(2, 6), range(5, 8)]],
    ['a range inside another', [range(0, 10), range(3, 4)]],
    ['overlapping ranges in reverse order', [range(5, 8), range(1, 6)]],
  ])('refuses %s in one cut, marking nothing', (_name, ranges) => {
    const { replica, stream } = linkedPair([10]);
    expect(() => replica.cut(ranges)).toThrow(MaterialReusedError);
    expect(replica.availableBytes).toBe(10);
    expect(replica.cut([range(0, 10)]).equals(stream)).toBe(true);
    expect(replica.availableBytes).toBe(0);
  });

  it('accepts adjacent ranges in one cut', () => {
    const { replica, stream } = linkedPair([10]);
    expect(
      replica
        .cut([range(5, 10), range(0, 5)])
        .equals(Buffer.concat([stream.subarray(5, 10), stream.subarray(0, 5)])),
    ).toBe(true);
    expect(replica.availableBytes).toBe(0);
  });

  it('cuts ranges that follow each other as one, each byte once, and refuses any of them again', () => {
    const { replica, stream } = linkedPair([10, 10]);
    const out = replica.cut([range(2, 5), range(5, 9), range(9, 14), range(16, 18)]);
    expect(out.equals(Buffer.concat([stream.subarray(2, 14), stream.subarray(16, 18)]))).toBe(true);
    expect(replica.availableBytes).toBe(6);
    for (const used of [range(2, 5), range(5, 9), range(4, 6), range(13, 14), range(16, 17)]) {
      expect(() => replica.cut([used])).toThrow(MaterialReusedError);
    }
    expect(
      replica
        .cut([range(0, 2), range(14, 16), range(18, 20)])
        .equals(
          Buffer.concat([stream.subarray(0, 2), stream.subarray(14, 16), stream.subarray(18, 20)]),
        ),
    ).toBe(true);
    expect(replica.availableBytes).toBe(0);
  });

  it('cuts ranges spanning several blocks', () => {
    const { replica, stream } = linkedPair([5, 5, 5, 5]);
    expect(replica.cut([range(3, 17)]).equals(stream.subarray(3, 17))).toBe(true);
    expect(replica.availableBytes).toBe(6);
    expect(replica.cut([range(0, 3)]).equals(stream.subarray(0, 3))).toBe(true);
    expect(replica.cut([range(17, 20)]).equals(stream.subarray(17, 20))).toBe(true);
    expect(replica.availableBytes).toBe(0);
  });

  it('refuses to cut a range twice and changes nothing (block still partly unused)', () => {
    const { replica, stream } = linkedPair([32]);
    expect(replica.cut([range(8, 16)]).equals(stream.subarray(8, 16))).toBe(true);
    const error = errorOf(() => replica.cut([range(8, 16)]));
    expect(error).toBeInstanceOf(MaterialReusedError);
    expect((error as MaterialReusedError).range).toEqual(range(8, 16));
    expect(replica.availableBytes).toBe(24);
    expect(replica.cut([range(0, 8)]).equals(stream.subarray(0, 8))).toBe(true);
    expect(replica.cut([range(16, 32)]).equals(stream.subarray(16, 32))).toBe(true);
  });

  it('refuses to cut a range twice after its block was used up and released', () => {
    const { replica, stream } = linkedPair([16, 16]);
    expect(replica.cut([range(0, 16)]).equals(stream.subarray(0, 16))).toBe(true);
    expect(replica.availableBytes).toBe(16);
    expect(() => replica.cut([range(0, 16)])).toThrow(MaterialReusedError);
    expect(() => replica.cut([range(4, 8)])).toThrow(MaterialReusedError);
    // Partly in the released block, partly in unused material: still reuse, and nothing marked.
    expect(() => replica.cut([range(12, 20)])).toThrow(MaterialReusedError);
    expect(replica.availableBytes).toBe(16);
    expect(replica.cut([range(16, 32)]).equals(stream.subarray(16, 32))).toBe(true);
    expect(replica.availableBytes).toBe(0);
    expect(() => replica.cut([range(16, 32)])).toThrow(MaterialReusedError);
  });

  it('refuses an overlapping range without marking its unused part (all-or-nothing)', () => {
    const { replica, stream } = linkedPair([40]);
    replica.cut([range(10, 20)]);
    expect(() => replica.cut([range(15, 25)])).toThrow(MaterialReusedError);
    expect(() => replica.cut([range(5, 11)])).toThrow(MaterialReusedError);
    expect(() => replica.cut([range(0, 40)])).toThrow(MaterialReusedError);
    expect(replica.availableBytes).toBe(30);
    // Every byte outside [10, 20) is still there, once.
    expect(replica.cut([range(20, 25)]).equals(stream.subarray(20, 25))).toBe(true);
    expect(replica.cut([range(5, 10)]).equals(stream.subarray(5, 10))).toBe(true);
    expect(replica.cut([range(0, 5)]).equals(stream.subarray(0, 5))).toBe(true);
    expect(replica.cut([range(25, 40)]).equals(stream.subarray(25, 40))).toBe(true);
    expect(replica.availableBytes).toBe(0);
  });

  it('refuses an overlap found in a later block without marking the earlier block', () => {
    const { replica, stream } = linkedPair([10, 10]);
    replica.cut([range(12, 14)]);
    expect(() => replica.cut([range(5, 15)])).toThrow(MaterialReusedError);
    expect(replica.availableBytes).toBe(18);
    expect(replica.cut([range(5, 12)]).equals(stream.subarray(5, 12))).toBe(true);
    expect(replica.cut([range(14, 15)]).equals(stream.subarray(14, 15))).toBe(true);
    expect(replica.availableBytes).toBe(10);
  });

  it('reports material that has not arrived yet as unavailable, and cuts it once it arrives', () => {
    const master = streamOf('e');
    const first = master.append(randomBytes(10));
    const second = master.append(randomBytes(10));
    const replica = newReplica();
    replica.reset('e', 0);
    replica.add(first);

    expect(replica.holds(range(12, 18))).toBe(false);
    expect(replica.holds(range(5, 15))).toBe(false);
    const error = errorOf(() => replica.cut([range(12, 18)]));
    expect(error).toBeInstanceOf(MaterialUnavailableError);
    expect((error as MaterialUnavailableError).range).toEqual(range(12, 18));
    // Straddling arrived and missing material: refused, and the arrived part stays unused.
    expect(() => replica.cut([range(5, 15)])).toThrow(MaterialUnavailableError);
    expect(replica.availableBytes).toBe(10);

    expect(replica.add(second)).toBe(true);
    expect(replica.holds(range(5, 15))).toBe(true);
    const stream = Buffer.concat([first.bytes, second.bytes]);
    expect(replica.cut([range(5, 15)]).equals(stream.subarray(5, 15))).toBe(true);
    expect(replica.availableBytes).toBe(10);
  });

  it('reports ranges of another epoch or below the era start as unavailable', () => {
    const master = streamOf('e');
    master.append(randomBytes(10));
    const kept = master.append(randomBytes(10));
    const replica = newReplica();
    replica.reset('e', 10);
    expect(replica.add(kept)).toBe(true);
    expect(() => replica.cut([range(10, 20, 'other')])).toThrow(MaterialUnavailableError);
    expect(() => replica.cut([range(0, 5)])).toThrow(MaterialUnavailableError);
    expect(() => replica.cut([range(5, 15)])).toThrow(MaterialUnavailableError);
    expect(replica.holds(range(10, 20, 'other'))).toBe(false);
    expect(replica.holds(range(5, 15))).toBe(false);
    expect(replica.availableBytes).toBe(10);
    expect(replica.cut([range(10, 20)]).equals(kept.bytes)).toBe(true);
  });

  it('refuses blocks of another epoch and blocks starting below fromOffset', () => {
    const replica = newReplica();
    replica.reset('e', 100);
    const listener = jest.fn();
    replica.onArrival(listener);
    expect(replica.add({ epoch: 'other', start: 100, bytes: randomBytes(10) })).toBe(false);
    expect(replica.add({ epoch: 'e', start: 90, bytes: randomBytes(10) })).toBe(false);
    expect(replica.add({ epoch: 'e', start: 95, bytes: randomBytes(10) })).toBe(false); // straddles
    expect(replica.availableBytes).toBe(0);
    expect(listener).not.toHaveBeenCalled();
    expect(() => replica.cut([range(100, 105)])).toThrow(MaterialUnavailableError);

    const block: MaterialBlock = { epoch: 'e', start: 100, bytes: randomBytes(10) };
    expect(replica.add(block)).toBe(true);
    expect(replica.availableBytes).toBe(10);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(replica.cut([range(100, 110)]).equals(block.bytes)).toBe(true);
  });

  it('drops all material of the old epoch on reset to a new epoch', () => {
    const { replica } = linkedPair([10, 10], 'old');
    replica.cut([range(0, 4, 'old')]);
    expect(replica.availableBytes).toBe(16);

    replica.reset('new', 0);
    expect(replica.epoch).toBe('new');
    expect(replica.availableBytes).toBe(0);
    expect(replica.holds(range(4, 8, 'old'))).toBe(false);
    expect(() => replica.cut([range(4, 8, 'old')])).toThrow(MaterialUnavailableError);
    expect(replica.add({ epoch: 'old', start: 20, bytes: randomBytes(4) })).toBe(false);
    expect(() => replica.cut([range(0, 4, 'new')])).toThrow(MaterialUnavailableError);

    const fresh: MaterialBlock = { epoch: 'new', start: 0, bytes: randomBytes(8) };
    expect(replica.add(fresh)).toBe(true);
    expect(replica.availableBytes).toBe(8);
    expect(replica.cut([range(0, 8, 'new')]).equals(fresh.bytes)).toBe(true);
  });

  it('keeps unused material at or above the new start on a reset within the same epoch', () => {
    const { replica, stream } = linkedPair([10, 10, 10]);
    replica.cut([range(22, 25)]);
    expect(replica.availableBytes).toBe(27);

    replica.reset('e', 10);
    expect(replica.availableBytes).toBe(17); // block 0 dropped; 3 bytes of block 2 already used
    expect(() => replica.cut([range(0, 10)])).toThrow(MaterialUnavailableError);
    expect(() => replica.cut([range(22, 25)])).toThrow(MaterialReusedError);
    expect(replica.cut([range(10, 22)]).equals(stream.subarray(10, 22))).toBe(true);
    expect(replica.cut([range(25, 30)]).equals(stream.subarray(25, 30))).toBe(true);
    expect(replica.availableBytes).toBe(0);
  });

  it('ignores a redelivered duplicate block', () => {
    const master = streamOf('e');
    const first = master.append(randomBytes(10));
    const second = master.append(randomBytes(10));
    const replica = newReplica();
    replica.reset('e', 0);
    const listener = jest.fn();
    replica.onArrival(listener);

    expect(replica.add(first)).toBe(true);
    expect(replica.add(first)).toBe(false);
    expect(replica.add(second)).toBe(true);
    expect(replica.add(first)).toBe(false);
    expect(replica.add(second)).toBe(false);
    expect(replica.availableBytes).toBe(20);
    expect(listener).toHaveBeenCalledTimes(2);

    replica.cut([range(0, 5)]);
    expect(replica.add(first)).toBe(false); // must not re-arm the used bytes
    expect(() => replica.cut([range(0, 5)])).toThrow(MaterialReusedError);
    expect(replica.availableBytes).toBe(15);
  });

  it('ignores a redelivered block whose material was used up and released', () => {
    const { replica, blocks } = linkedPair([10, 10]);
    replica.cut([range(10, 20)]); // the newest block, used up
    replica.cut([range(0, 10)]);
    expect(replica.availableBytes).toBe(0);

    for (const block of [...blocks].reverse()) expect(replica.add(block)).toBe(false);
    expect(replica.availableBytes).toBe(0);
    expect(() => replica.cut([range(10, 20)])).toThrow(MaterialReusedError);
    expect(() => replica.cut([range(0, 10)])).toThrow(MaterialReusedError);
  });

  it('still accepts the next block after everything held was used up', () => {
    const master = streamOf('e');
    const first = master.append(randomBytes(10));
    const replica = newReplica();
    replica.reset('e', 0);
    replica.add(first);
    replica.cut([range(0, 10)]);
    const next = master.append(randomBytes(6));
    expect(replica.add(next)).toBe(true);
    expect(replica.availableBytes).toBe(6);
    expect(replica.cut([range(10, 16)]).equals(next.bytes)).toBe(true);
  });

  it('treats material skipped by a later block as never arriving, not as used', () => {
    const replica = newReplica();
    replica.reset('e', 0);
    const before: MaterialBlock = { epoch: 'e', start: 0, bytes: randomBytes(10) };
    const skipped: MaterialBlock = { epoch: 'e', start: 10, bytes: randomBytes(10) };
    const after: MaterialBlock = { epoch: 'e', start: 20, bytes: randomBytes(10) };
    expect(replica.add(before)).toBe(true);
    expect(replica.add(after)).toBe(true);
    expect(replica.add(skipped)).toBe(false); // too late: the stream has moved past it
    expect(replica.availableBytes).toBe(20);

    expect(replica.holds(range(0, 10))).toBe(true);
    expect(replica.holds(range(20, 30))).toBe(true);
    expect(replica.holds(range(12, 18))).toBe(false);
    expect(replica.holds(range(5, 25))).toBe(false);
    expect(() => replica.cut([range(12, 18)])).toThrow(MaterialUnavailableError);
    expect(() => replica.cut([range(5, 25)])).toThrow(MaterialUnavailableError);
    expect(replica.availableBytes).toBe(20);

    expect(replica.cut([range(0, 10)]).equals(before.bytes)).toBe(true);
    expect(replica.cut([range(20, 30)]).equals(after.bytes)).toBe(true);
    expect(() => replica.cut([range(12, 18)])).toThrow(MaterialUnavailableError);
    expect(() => replica.cut([range(5, 25)])).toThrow(MaterialReusedError); // [5, 10) was used
    expect(() => replica.cut([range(15, 25)])).toThrow(MaterialReusedError); // [20, 25) was used
  });

  it('calls arrival listeners for every stored block until unsubscribed', () => {
    const replica = newReplica();
    replica.reset('e', 0);
    const seen: number[] = [];
    const other = jest.fn();
    const stop = replica.onArrival(() => seen.push(replica.availableBytes));
    replica.onArrival(other);

    replica.add({ epoch: 'e', start: 0, bytes: randomBytes(4) });
    replica.add({ epoch: 'e', start: 4, bytes: randomBytes(4) });
    expect(seen).toEqual([4, 8]); // called after the block is stored
    stop();
    replica.add({ epoch: 'e', start: 8, bytes: randomBytes(4) });
    expect(seen).toEqual([4, 8]);
    expect(other).toHaveBeenCalledTimes(3);
  });

  it('lets a listener unsubscribe itself while being called', () => {
    const replica = newReplica();
    replica.reset('e', 0);
    const calls: string[] = [];
    const stopFirst = replica.onArrival(() => {
      calls.push('first');
      stopFirst();
    });
    replica.onArrival(() => calls.push('second'));
    replica.add({ epoch: 'e', start: 0, bytes: randomBytes(4) });
    replica.add({ epoch: 'e', start: 4, bytes: randomBytes(4) });
    expect(calls).toEqual(['first', 'second', 'second']);
  });

  it('holds() tells whether every byte of a range has arrived, used or not', () => {
    const { replica } = linkedPair([10, 10]);
    expect(replica.holds(range(0, 20))).toBe(true);
    expect(replica.holds(range(19, 20))).toBe(true);
    expect(replica.holds(range(19, 21))).toBe(false);
    expect(replica.holds(range(0, 20, 'other'))).toBe(false);

    replica.cut([range(2, 4)]);
    expect(replica.holds(range(2, 4))).toBe(true);
    replica.cut([range(10, 20)]); // last block used up and released
    expect(replica.holds(range(10, 20))).toBe(true);
    expect(replica.holds(range(0, 20))).toBe(true);
  });

  it('releases used-up blocks and accounts available bytes exactly', () => {
    const { replica, stream } = linkedPair([8, 8, 8]);
    expect(replica.availableBytes).toBe(24);
    replica.cut([range(0, 3)]);
    replica.cut([range(5, 8)]);
    expect(replica.availableBytes).toBe(18);
    replica.cut([range(3, 5)]); // block 0 now used up
    expect(replica.availableBytes).toBe(16);
    replica.cut([range(16, 24)]); // block 2 used up, block 1 still whole
    expect(replica.availableBytes).toBe(8);
    expect(replica.cut([range(8, 16)]).equals(stream.subarray(8, 16))).toBe(true);
    expect(replica.availableBytes).toBe(0);

    // A reset within the epoch recomputes from what is held: nothing is left to count.
    replica.reset('e', 0);
    expect(replica.availableBytes).toBe(0);
  });

  it('rejects an empty or inverted range without changing anything', () => {
    const { replica } = linkedPair([8]);
    expect(() => replica.cut([range(4, 4)])).toThrow(RangeError);
    expect(() => replica.cut([range(6, 2)])).toThrow(RangeError);
    expect(replica.availableBytes).toBe(8);
  });

  it('returns a copy that does not alias the held material', () => {
    const { replica, stream } = linkedPair([8]);
    const first = replica.cut([range(0, 4)]);
    first.fill(0);
    expect(replica.cut([range(4, 8)]).equals(stream.subarray(4, 8))).toBe(true);
    expect(first.equals(Buffer.alloc(4))).toBe(true);
  });
});
