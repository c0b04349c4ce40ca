// The store's bounds: remembered IDs forgotten by count and by age (so memory and disk do not
// grow under a sustained load), and a size limit past which writes fail cleanly, changing nothing.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { KeyStoreUnavailableError } from '@app/key-pool';
import { errorOf } from './test-helpers';
import Database from 'better-sqlite3';
import { append, baseOptions, removeTempDirs, tempDir } from '../test/store-harness';
import { openMasterKeyStore, openSlaveKeyStore, type KeyStoreOptions } from '.';

afterAll(removeTempDirs);

const keyId = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** Rows of a table of a closed store, read with a connection of the test's own. */
function rowsOf(dir: string, file: string, table: string): number {
  const db = new Database(path.join(dir, file), { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('remembered IDs', () => {
  const options = (dir: string, extra: Partial<KeyStoreOptions> = {}): KeyStoreOptions => ({
    ...baseOptions(dir),
    attachedSaeIds: ['sae-b'],
    ...extra,
  });

  it('are at most `count`: the oldest delivered and foreign IDs are forgotten first', () => {
    const dir = tempDir();
    const store = openMasterKeyStore(
      options(dir, { remembered: { count: 100, ageMs: 3_600_000 } }),
    );
    for (let i = 0; i < 300; i++) {
      const slaves = i % 2 === 0 ? ['sae-b'] : ['sae-other-kme'];
      store.activeKeys.activate(
        { keyIds: [keyId(i)], material: randomBytes(32), keyBytes: 32 },
        'sae-a',
        slaves,
      );
      if (i % 2 === 0) store.activeKeys.take([keyId(i)], 'sae-b', 'sae-a');
    }
    const known = Array.from({ length: 300 }, (_, i) => store.activeKeys.known(keyId(i)));
    const remembered = known.filter(Boolean).length;
    expect(remembered).toBeLessThanOrEqual(100);
    expect(remembered).toBeGreaterThanOrEqual(90); // forgotten in batches of a tenth
    // Exactly the newest are remembered.
    expect(known.slice(300 - remembered).every(Boolean)).toBe(true);
    expect(known.slice(0, 300 - remembered).some(Boolean)).toBe(false);
    store.close();
    expect(rowsOf(dir, 'master-kme.sqlite', 'seen_key')).toBe(remembered);
  });

  it('are forgotten once older than `ageMs`, and deleted from the database', () => {
    const dir = tempDir();
    let now = 1_000_000;
    const store = openMasterKeyStore(
      options(dir, { remembered: { count: 1000, ageMs: 10_000 }, now: () => now }),
    );
    const deliver = (i: number) => {
      store.activeKeys.activate(
        { keyIds: [keyId(i)], material: randomBytes(32), keyBytes: 32 },
        'sae-a',
        ['sae-b'],
      );
      store.activeKeys.take([keyId(i)], 'sae-b', 'sae-a');
    };
    for (let i = 0; i < 50; i++) deliver(i);
    now += 5_000;
    deliver(50);
    now += 5_000; // the first 50 are exactly ageMs old: still remembered
    expect(store.activeKeys.known(keyId(0))).toBe(true);
    now += 1;
    expect(store.activeKeys.known(keyId(0))).toBe(false);
    expect(store.activeKeys.known(keyId(50))).toBe(true);
    deliver(0); // forgotten, so it may come again (its old row is replaced)
    deliver(51); // a write runs the age pass
    now += 5_000;
    expect(store.activeKeys.known(keyId(50))).toBe(false);
    expect(store.activeKeys.known(keyId(51))).toBe(true);
    store.close();
    expect(rowsOf(dir, 'master-kme.sqlite', 'seen_key')).toBe(3);
  });

  it('bound the applied message IDs of a slave store the same way', () => {
    const dir = tempDir();
    let now = 0;
    const store = openSlaveKeyStore(
      options(dir, { remembered: { count: 50, ageMs: 10_000 }, now: () => now }),
    );
    for (let i = 0; i < 200; i++) store.applied.add(`m${i}`);
    const kept = Array.from({ length: 200 }, (_, i) => store.applied.has(`m${i}`));
    expect(kept.filter(Boolean).length).toBeLessThanOrEqual(50);
    expect(kept[199]).toBe(true);
    expect(kept[0]).toBe(false);
    now += 10_001;
    expect(store.applied.has('m199')).toBe(false);
    store.applied.add('fresh');
    store.close();
    expect(rowsOf(dir, 'slave-kme.sqlite', 'applied_message')).toBe(1);
  });
});

describe('a store at its size limit (maxBytes)', () => {
  const limited = (dir: string): KeyStoreOptions => ({
    ...baseOptions(dir),
    attachedSaeIds: ['sae-b'],
    maxBytes: 256 * 1024,
  });

  /** Fills the material until a reserve fails; returns that failure. */
  function fill(reserve: () => void): unknown {
    for (let i = 0; i < 1000; i++) {
      try {
        reserve();
      } catch (error) {
        return error;
      }
    }
    throw new Error('the store never filled up');
  }

  it('fails master writes with KeyStoreUnavailableError, changing nothing, in memory either', () => {
    const dir = tempDir();
    const store = openMasterKeyStore(limited(dir));
    const { material, outbox, activeKeys } = store;
    const stream: Buffer[] = [];
    const error = fill(() => {
      const bytes = randomBytes(16 * 1024);
      append(material, bytes);
      stream.push(bytes);
    });
    expect(error).toBeInstanceOf(KeyStoreUnavailableError);
    expect((error as Error).message).toContain('database or disk is full');
    const held = stream.length * 16 * 1024;
    expect(material.availableBytes).toBe(held);
    expect(material.pendingBlocks()).toEqual([]);

    // A transaction that fails at its last write gives back what it allocated.
    const big = 'x'.repeat(512 * 1024);
    expect(
      errorOf(() =>
        store.transaction(() => {
          material.allocate(32);
          outbox.add(big);
        }),
      ),
    ).toBeInstanceOf(KeyStoreUnavailableError);
    expect(material.availableBytes).toBe(held);
    expect(outbox.size).toBe(0);
    expect(
      errorOf(() =>
        activeKeys.activate(
          { keyIds: ['k1', 'k2'], material: randomBytes(2 * 300 * 1024), keyBytes: 300 * 1024 },
          'sae-a',
          ['sae-b'],
        ),
      ),
    ).toBeInstanceOf(KeyStoreUnavailableError);
    expect(activeKeys.size).toBe(0);
    expect(activeKeys.known('k1')).toBe(false);

    // SQLite rolls the whole transaction back on SQLITE_FULL. Work that catches the failure of
    // one write cannot go on as if only that write had failed: its next write, or its commit,
    // fails too, and everything it did before is undone in memory as well.
    const caught: unknown[] = [];
    const goesOn = errorOf(() =>
      store.transaction(() => {
        material.allocate(32);
        caught.push(errorOf(() => outbox.add(big)));
        outbox.add('small');
      }),
    );
    const returns = errorOf(() =>
      store.transaction(() => {
        material.allocate(32);
        caught.push(errorOf(() => outbox.add(big)));
      }),
    );
    for (const failure of [...caught, goesOn, returns]) {
      expect(failure).toBeInstanceOf(KeyStoreUnavailableError);
    }
    expect(material.availableBytes).toBe(held);
    expect(outbox.size).toBe(0);

    // Nothing was lost either: the material is handed out from its start, in order.
    const all = material.allocate(held);
    expect(all.ranges).toEqual([{ epoch: material.epoch, start: 0, end: held }]);
    expect(all.bytes.equals(Buffer.concat(stream))).toBe(true);
    // Freed pages are used again, and the failed reserve did not take a stream position.
    expect(material.reserve(randomBytes(16 * 1024)).start).toBe(held);
    store.close();
  });

  it('fails slave writes with KeyStoreUnavailableError, changing nothing', () => {
    const dir = tempDir();
    const store = openSlaveKeyStore(limited(dir));
    const { material } = store;
    material.reset('e', 0);
    const arrivals: number[] = [];
    material.onArrival(() => arrivals.push(material.receivedEnd));
    let next = 0;
    const error = fill(() => {
      expect(material.add({ epoch: 'e', start: next, bytes: randomBytes(16 * 1024) })).toBe(true);
      next += 16 * 1024;
    });
    expect(error).toBeInstanceOf(KeyStoreUnavailableError);
    expect(material.receivedEnd).toBe(next);
    expect(material.availableBytes).toBe(next);
    expect(arrivals).toHaveLength(next / (16 * 1024)); // none for the block that failed

    material.cut([{ epoch: 'e', start: 0, end: next }]);
    const block = { epoch: 'e', start: next, bytes: randomBytes(16 * 1024) };
    expect(material.add(block)).toBe(true); // the failed block can arrive again
    expect(material.cut([{ epoch: 'e', start: next, end: next + 16 * 1024 }])).toEqual(block.bytes);
    store.close();
  });
});
