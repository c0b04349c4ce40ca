// The rest of the ports' contract, beyond what the key-pool specs covered: pending blocks, the
// outbox, applied messages, values, store IDs and transactions, on ':memory:' and on a file.
import { randomBytes } from 'node:crypto';
import {
  InsufficientKeyMaterialError,
  KeyStoreUnavailableError,
  MaterialReusedError,
  MaterialUnavailableError,
} from '@app/key-pool';
import { errorOf } from './test-helpers';
import { TARGETS, append, storeHarness } from '../test/store-harness';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.each(TARGETS)('key store on $name', (target) => {
  const stores = storeHarness(target);

  describe('MasterMaterial pending blocks', () => {
    it('lists reserved blocks in stream order until they are committed', () => {
      const { material } = stores.master();
      expect(material.pendingBlocks()).toEqual([]);
      const a = material.reserve(randomBytes(5000)); // more than one chunk
      const b = material.reserve(randomBytes(7));
      expect(material.pendingBlocks()).toEqual([a, b]);
      expect(material.commit(a)).toBe(true);
      expect(material.pendingBlocks()).toEqual([b]);
      expect(material.commit(b)).toBe(true);
      expect(material.pendingBlocks()).toEqual([]);
      expect(material.availableBytes).toBe(5007);
    });

    it('voids the pending blocks a later commit skipped: they could only be committed out of order', () => {
      const { material } = stores.master();
      const skipped = material.reserve(randomBytes(4));
      const shipped = material.reserve(randomBytes(4));
      const next = material.reserve(randomBytes(4));
      expect(material.commit(shipped)).toBe(true);
      expect(material.pendingBlocks()).toEqual([next]);
      expect(() => material.commit(skipped)).toThrow('out of order');
      expect(material.allocate(4).ranges).toEqual([{ epoch: material.epoch, start: 4, end: 8 }]);
    });

    it('voids pending blocks on discardUnallocated', () => {
      const { material } = stores.master();
      material.reserve(randomBytes(4));
      expect(material.discardUnallocated()).toBe(4);
      expect(material.pendingBlocks()).toEqual([]);
    });

    it('refuses to commit a block it never reserved, and an empty block', () => {
      const { material } = stores.master();
      const block = material.reserve(randomBytes(4));
      expect(() => material.commit({ ...block, start: 4 })).toThrow('not reserved');
      expect(() => material.commit({ ...block, bytes: randomBytes(5) })).toThrow('not reserved');
      expect(() => material.reserve(Buffer.alloc(0))).toThrow(RangeError);
      expect(material.pendingBlocks()).toEqual([block]);
    });

    it('allocates across chunk boundaries of a large block', () => {
      const { material } = stores.master();
      const block = append(material, randomBytes(64 * 1024));
      const first = material.allocate(3999);
      const across = material.allocate(10_000);
      expect(first.bytes.equals(block.bytes.subarray(0, 3999))).toBe(true);
      expect(across.bytes.equals(block.bytes.subarray(3999, 13_999))).toBe(true);
      expect(across.ranges).toEqual([{ epoch: material.epoch, start: 3999, end: 13_999 }]);
      expect(material.allocate(64 * 1024 - 13_999).bytes.equals(block.bytes.subarray(13_999))).toBe(
        true,
      );
    });
  });

  describe('ReplicaMaterial receivedEnd', () => {
    it('is the end of the material received in this era', () => {
      const { material } = stores.slave();
      expect(material.receivedEnd).toBe(0);
      material.reset('e', 100);
      expect(material.receivedEnd).toBe(100);
      material.add({ epoch: 'e', start: 100, bytes: randomBytes(10) });
      material.add({ epoch: 'e', start: 120, bytes: randomBytes(10) });
      expect(material.receivedEnd).toBe(130);
      material.reset('e', 50);
      expect(material.receivedEnd).toBe(130);
      material.reset('f', 7);
      expect(material.receivedEnd).toBe(7);
    });

    it('cuts a range spanning chunks of large blocks', () => {
      const { material } = stores.slave();
      material.reset('e', 0);
      const blocks = [randomBytes(64 * 1024), randomBytes(64 * 1024)];
      material.add({ epoch: 'e', start: 0, bytes: blocks[0] });
      material.add({ epoch: 'e', start: 64 * 1024, bytes: blocks[1] });
      const stream = Buffer.concat(blocks);
      const range = { epoch: 'e', start: 60_000, end: 70_000 };
      expect(material.cut([range]).equals(stream.subarray(60_000, 70_000))).toBe(true);
      expect(() => material.cut([{ ...range, start: 69_999, end: 70_001 }])).toThrow(
        MaterialReusedError,
      );
    });
  });

  describe('Outbox', () => {
    it('keeps messages in order with increasing sequence numbers until removed', () => {
      const { outbox } = stores.master();
      expect(outbox.size).toBe(0);
      expect(outbox.entriesAfter(0, 10)).toEqual([]);
      const seqs = ['a', 'b', 'c', 'd'].map((body) => outbox.add(body));
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(4);
      expect(outbox.size).toBe(4);
      expect(outbox.entriesAfter(0, 2)).toEqual([
        { seq: seqs[0], body: 'a' },
        { seq: seqs[1], body: 'b' },
      ]);
      expect(outbox.entriesAfter(seqs[1], 10).map((e) => e.body)).toEqual(['c', 'd']);
      expect(outbox.entriesAfter(seqs[0], 0)).toEqual([]);

      outbox.removeThrough(seqs[2]);
      expect(outbox.size).toBe(1);
      expect(outbox.entriesAfter(0, 10)).toEqual([{ seq: seqs[3], body: 'd' }]);
      outbox.removeThrough(seqs[3]);
      expect(outbox.size).toBe(0);
      expect(outbox.add('e')).toBeGreaterThan(seqs[3]);
    });
  });

  describe('AppliedMessages', () => {
    it('remembers applied message IDs', () => {
      const { applied } = stores.slave();
      expect(applied.has('m1')).toBe(false);
      applied.add('m1');
      applied.add('m1'); // a redelivery applied twice changes nothing
      expect(applied.has('m1')).toBe(true);
      expect(applied.has('m2')).toBe(false);
    });
  });

  describe('StoreValues', () => {
    it('sets, replaces and clears named values', () => {
      const { values } = stores.master();
      expect(values.get('peer')).toBeUndefined();
      values.set('peer', 'a');
      values.set('peer', 'b');
      values.set('other', 'c');
      expect(values.get('peer')).toBe('b');
      values.set('peer', undefined);
      expect(values.get('peer')).toBeUndefined();
      expect(values.get('other')).toBe('c');
    });
  });

  describe('storeId and epoch', () => {
    it('are random UUIDs, different for every store', () => {
      const [a, b] = [stores.master(), stores.master()];
      const s = stores.slave();
      for (const id of [a.storeId, b.storeId, s.storeId, a.material.epoch])
        expect(id).toMatch(UUID);
      expect(
        new Set([a.storeId, b.storeId, s.storeId, a.material.epoch, b.material.epoch]).size,
      ).toBe(5);
    });
  });

  describe('transaction', () => {
    it('commits everything its work did, and returns its result', () => {
      const store = stores.master();
      append(store.material, randomBytes(64));
      const seq = store.transaction(() => {
        store.material.allocate(32);
        return store.outbox.add('activation');
      });
      expect(store.material.availableBytes).toBe(32);
      expect(store.outbox.entriesAfter(0, 10)).toEqual([{ seq, body: 'activation' }]);
    });

    it('undoes everything, in the database and in memory, when its work throws', () => {
      const store = stores.master();
      const block = append(store.material, randomBytes(64));
      store.values.set('v', 'before');
      const failure = new Error('the answer could not be built');
      const error = errorOf(() =>
        store.transaction(() => {
          store.material.allocate(32);
          store.outbox.add('activation');
          store.values.set('v', 'after');
          store.activeKeys.activate(
            { keyIds: ['k1'], material: randomBytes(16), keyBytes: 16 },
            'sae-a',
            [],
          );
          store.material.reserve(randomBytes(8));
          throw failure;
        }),
      );
      expect(error).toBe(failure);
      expect(store.material.availableBytes).toBe(64);
      expect(store.material.pendingBlocks()).toEqual([]);
      expect(store.outbox.size).toBe(0);
      expect(store.outbox.entriesAfter(0, 10)).toEqual([]);
      expect(store.values.get('v')).toBe('before');
      expect(store.activeKeys.known('k1')).toBe(false);
      // The same bytes are handed out again: none was lost, none given twice.
      expect(store.material.allocate(64).bytes.equals(block.bytes)).toBe(true);
      expect(store.material.reserve(randomBytes(1)).start).toBe(64);
    });

    it('lets a caught domain error inside a transaction change nothing of its method', () => {
      const store = stores.slave({ attachedSaeIds: ['sae-b'] });
      store.material.reset('e', 0);
      const block = { epoch: 'e', start: 0, bytes: randomBytes(16) };
      store.material.add(block);
      const key = store.transaction(() => {
        const refused = errorOf(() =>
          store.material.cut([
            { epoch: 'e', start: 0, end: 8 },
            { epoch: 'e', start: 8, end: 20 },
          ]),
        );
        expect(refused).toBeInstanceOf(MaterialUnavailableError);
        const cut = store.material.cut([{ epoch: 'e', start: 0, end: 8 }]);
        store.activeKeys.activate({ keyIds: ['k1'], material: cut, keyBytes: 8 }, 'sae-a', [
          'sae-b',
        ]);
        return cut;
      });
      expect(key.equals(block.bytes.subarray(0, 8))).toBe(true);
      expect(store.material.availableBytes).toBe(8);
      expect(store.activeKeys.take(['k1'], 'sae-b', 'sae-a')[0].key.equals(key)).toBe(true);
    });

    it('nests: an inner transaction that throws leaves the outer one as it was', () => {
      const store = stores.master();
      append(store.material, randomBytes(64));
      store.transaction(() => {
        store.outbox.add('kept');
        expect(() =>
          store.transaction(() => {
            store.material.allocate(16);
            store.outbox.add('undone');
            throw new Error('inner');
          }),
        ).toThrow('inner');
        expect(store.material.availableBytes).toBe(64);
        store.material.allocate(8);
      });
      expect(store.outbox.entriesAfter(0, 10).map((e) => e.body)).toEqual(['kept']);
      expect(store.material.availableBytes).toBe(56);
      expect(store.material.allocate(8).ranges[0].start).toBe(8);
    });

    it('refuses work that returns a promise, changing nothing', () => {
      const store = stores.master();
      expect(() => store.transaction(() => Promise.resolve(store.outbox.add('x')))).toThrow(
        TypeError,
      );
      expect(store.outbox.size).toBe(0);
    });

    it('tells arrival listeners and waiting dec_keys only once the outer transaction committed', async () => {
      const store = stores.slave({ attachedSaeIds: ['sae-b'] });
      store.material.reset('e', 0);
      const arrivals: number[] = [];
      store.material.onArrival(() => arrivals.push(store.material.availableBytes));
      let present = false;
      const waiting = store.activeKeys.whenPresent(['k1'], 60_000).then(() => {
        present = store.activeKeys.known('k1');
      });

      store.transaction(() => {
        store.material.add({ epoch: 'e', start: 0, bytes: randomBytes(8) });
        store.activeKeys.activate({ keyIds: ['k1'], material: randomBytes(8), keyBytes: 8 }, 'a', [
          'sae-b',
        ]);
        expect(arrivals).toEqual([]);
      });
      expect(arrivals).toEqual([8]);
      await waiting;
      expect(present).toBe(true);

      expect(() =>
        store.transaction(() => {
          store.material.add({ epoch: 'e', start: 8, bytes: randomBytes(8) });
          throw new Error('rolled back');
        }),
      ).toThrow('rolled back');
      expect(arrivals).toEqual([8]);
      expect(store.material.receivedEnd).toBe(8);
    });
  });

  describe('writable and close', () => {
    it('is writable while open; after close every call fails with KeyStoreUnavailableError', async () => {
      const store = stores.master();
      append(store.material, randomBytes(8));
      expect(store.writable()).toBe(true);
      const waiting = store.activeKeys.whenPresent(['never'], 60_000);
      store.close();
      await expect(waiting).resolves.toBeUndefined(); // released, not left to its timeout
      expect(store.writable()).toBe(false);
      expect(() => store.material.allocate(1)).toThrow(KeyStoreUnavailableError);
      expect(() => store.outbox.add('x')).toThrow(KeyStoreUnavailableError);
      expect(() => store.activeKeys.known('k')).toThrow(KeyStoreUnavailableError);
      store.close(); // closing twice is harmless
    });

    it('refuses an allocation beyond what is held without a write', () => {
      const store = stores.master();
      expect(() => store.material.allocate(1)).toThrow(InsufficientKeyMaterialError);
    });
  });
});
