// Runs: batches of ascending key IDs kept in one row (key-runs.ts). The contract suite covers
// ActiveKeys' semantics with IDs that mostly form no run; this one pins that runs keep the same
// semantics, that they are what the store writes for time-ordered IDs, and where it falls back.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { KeyAccessDeniedError, KeysNotFoundError } from '@app/key-pool';
import { formsRun, indexInRun, joinRun, WaitingBits } from './key-runs';
import { errorOf } from './test-helpers';
import { baseOptions, removeTempDirs, tempDir } from '../test/store-harness';
import { openMasterKeyStore, openSlaveKeyStore, type KeyStoreOptions } from '.';

afterAll(removeTempDirs);

const MASTER = 'sae-a';
const LOCAL = 'sae-b';

/** The i-th of a series of ascending canonical UUIDs, like the master KME's time-ordered IDs. */
const keyId = (i: number) => `0190a000-0000-7000-8000-${String(i).padStart(12, '0')}`;
const idsFrom = (first: number, count: number, step = 1) =>
  Array.from({ length: count }, (_, i) => keyId(first + i * step));

/** Rows of each key table of a closed store. */
function rowsOf(dir: string, file = 'master-kme.sqlite'): Record<string, number> {
  const db = new Database(path.join(dir, file), { readonly: true });
  try {
    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      active_key: count('active_key'),
      active_run: count('active_run'),
      seen_key: count('seen_key'),
      seen_run: count('seen_run'),
    };
  } finally {
    db.close();
  }
}

const options = (dir: string, extra: Partial<KeyStoreOptions> = {}): KeyStoreOptions => ({
  ...baseOptions(dir),
  attachedSaeIds: [LOCAL, 'sae-c'],
  ...extra,
});

const batchOf = (keyIds: string[], keyBytes = 32) => ({
  keyIds,
  material: randomBytes(keyIds.length * keyBytes),
  keyBytes,
});

const keyOf = (batch: ReturnType<typeof batchOf>, id: string) => {
  const index = batch.keyIds.indexOf(id);
  return batch.material.subarray(index * batch.keyBytes, (index + 1) * batch.keyBytes);
};

describe('key runs', () => {
  it('form only from two or more ascending canonical IDs above every earlier run', () => {
    expect(formsRun(idsFrom(1, 2), undefined)).toBe(true);
    expect(formsRun(idsFrom(1, 1), undefined)).toBe(false);
    expect(formsRun([keyId(2), keyId(1)], undefined)).toBe(false);
    expect(formsRun([keyId(1), keyId(1)], undefined)).toBe(false);
    expect(formsRun(['k1', 'k2'], undefined)).toBe(false);
    expect(formsRun(idsFrom(5, 3), keyId(4))).toBe(true);
    expect(formsRun(idsFrom(5, 3), keyId(5))).toBe(false);
  });

  it('find each of their IDs and nothing else', () => {
    const ids = idsFrom(10, 50, 3);
    const joined = joinRun(ids);
    ids.forEach((id, i) => expect(indexInRun(joined, id)).toBe(i));
    expect(indexInRun(joined, keyId(11))).toBe(-1);
    expect(indexInRun(joined, keyId(9))).toBe(-1);
    expect(indexInRun(joined, keyId(1000))).toBe(-1);
    expect(indexInRun(joined, 'short')).toBe(-1);
  });

  it('track each SAE of a key on its own, for more than eight SAEs too', () => {
    const bits = WaitingBits.all(3, 10);
    expect(bits.waits(1, 9)).toBe(true);
    for (let sae = 0; sae < 9; sae++) expect(bits.clear(1, sae)).toBe(true);
    expect(bits.waits(1, 9)).toBe(true);
    expect(bits.clear(1, 9)).toBe(false);
    expect(bits.waits(0, 9)).toBe(true);
    expect(bits.waits(2, 0)).toBe(true);
  });
});

describe('an active key store with time-ordered IDs', () => {
  it('keeps a 128-key activation in one row and delivers each key once, with its own bytes', () => {
    const dir = tempDir();
    const store = openMasterKeyStore(options(dir));
    const batch = batchOf(idsFrom(1, 128));
    store.activeKeys.activate(batch, MASTER, [LOCAL]);
    expect(store.activeKeys.size).toBe(128);

    const first = batch.keyIds.slice(0, 10);
    const scattered = [batch.keyIds[100], batch.keyIds[20], batch.keyIds[64]];
    for (const part of [first, scattered]) {
      const delivered = store.activeKeys.take(part, LOCAL, MASTER);
      expect(delivered.map((k) => k.keyId)).toEqual(part);
      delivered.forEach((k) => expect(k.key).toEqual(keyOf(batch, k.keyId)));
    }
    expect(store.activeKeys.size).toBe(115);
    expect(errorOf(() => store.activeKeys.take([batch.keyIds[20]], LOCAL, MASTER))).toEqual(
      new KeysNotFoundError([batch.keyIds[20]]),
    );

    const rest = batch.keyIds.filter((id) => !first.includes(id) && !scattered.includes(id));
    const delivered = store.activeKeys.take(rest, LOCAL, MASTER);
    delivered.forEach((k) => expect(k.key).toEqual(keyOf(batch, k.keyId)));
    expect(store.activeKeys.size).toBe(0);
    expect(() => store.activeKeys.take([batch.keyIds[127]], LOCAL, MASTER)).toThrow(
      KeysNotFoundError,
    );
    expect(batch.keyIds.every((id) => store.activeKeys.known(id))).toBe(true);
    store.close();
    // Delivered as a whole, the run's IDs are remembered as one row too.
    expect(rowsOf(dir)).toEqual({ active_key: 0, active_run: 0, seen_key: 0, seen_run: 1 });
  });

  it('refuses a key of a run to other SAEs and masters without consuming it', () => {
    const store = openMasterKeyStore(options(tempDir()));
    const batch = batchOf(idsFrom(1, 4));
    store.activeKeys.activate(batch, MASTER, [LOCAL]);
    const [id] = batch.keyIds;
    expect(errorOf(() => store.activeKeys.take([id], 'sae-c', MASTER))).toEqual(
      new KeyAccessDeniedError([id]),
    );
    expect(errorOf(() => store.activeKeys.take([id], LOCAL, 'sae-x'))).toEqual(
      new KeyAccessDeniedError([id]),
    );
    // One unknown ID fails the whole request: nothing is taken.
    expect(() => store.activeKeys.take([id, keyId(999)], LOCAL, MASTER)).toThrow(KeysNotFoundError);
    expect(() => store.activeKeys.take([id, id], LOCAL, MASTER)).toThrow(KeysNotFoundError);
    expect(store.activeKeys.size).toBe(4);
    expect(store.activeKeys.take([id], LOCAL, MASTER)[0].key).toEqual(keyOf(batch, id));
    store.close();
  });

  it('delivers a multicast run to each of its SAEs once; a key leaves once all fetched it', () => {
    const store = openSlaveKeyStore(options(tempDir()));
    const batch = batchOf(idsFrom(1, 3));
    store.activeKeys.activate(batch, MASTER, [LOCAL, 'sae-other-kme', 'sae-c']);
    const [a, b] = batch.keyIds;
    expect(store.activeKeys.take([a], LOCAL, MASTER)[0].key).toEqual(keyOf(batch, a));
    expect(() => store.activeKeys.take([a], LOCAL, MASTER)).toThrow(KeysNotFoundError);
    expect(store.activeKeys.size).toBe(3);
    expect(store.activeKeys.take([b, a], 'sae-c', MASTER).map((k) => k.key)).toEqual([
      keyOf(batch, b),
      keyOf(batch, a),
    ]);
    expect(store.activeKeys.size).toBe(2);
    expect(() => store.activeKeys.take([a], 'sae-c', MASTER)).toThrow(KeysNotFoundError);
    expect(store.activeKeys.take([b], LOCAL, MASTER)[0].key).toEqual(keyOf(batch, b));
    expect(store.activeKeys.size).toBe(1);
    store.close();
  });

  it('keeps what was fetched from a run and what was not across a reopen', () => {
    const dir = tempDir();
    const batch = batchOf(idsFrom(1, 8));
    let store = openMasterKeyStore(options(dir));
    store.activeKeys.activate(batch, MASTER, [LOCAL]);
    store.activeKeys.take(batch.keyIds.slice(0, 3), LOCAL, MASTER);
    store.close();

    store = openMasterKeyStore(options(dir));
    expect(store.activeKeys.size).toBe(5);
    expect(() => store.activeKeys.take([batch.keyIds[1]], LOCAL, MASTER)).toThrow(
      KeysNotFoundError,
    );
    const rest = store.activeKeys.take(batch.keyIds.slice(3), LOCAL, MASTER);
    rest.forEach((k) => expect(k.key).toEqual(keyOf(batch, k.keyId)));
    // A new run after the reopen goes after the old ones.
    store.activeKeys.activate(batchOf(idsFrom(100, 2)), MASTER, [LOCAL]);
    store.close();
    expect(rowsOf(dir)).toMatchObject({ active_key: 0, active_run: 1 });
  });

  it('keeps a row per key for a batch that is not above every run, and finds keys of both', () => {
    const dir = tempDir();
    const store = openMasterKeyStore(options(dir));
    const run = batchOf(idsFrom(0, 64, 2)); // even IDs 0..126
    const rows = batchOf(idsFrom(1, 10, 2)); // odd IDs inside the run's range
    const unordered = batchOf([keyId(301), keyId(300)]);
    store.activeKeys.activate(run, MASTER, [LOCAL]);
    store.activeKeys.activate(rows, MASTER, [LOCAL]);
    store.activeKeys.activate(unordered, MASTER, [LOCAL]);
    expect(store.activeKeys.size).toBe(76);

    const mixed = [rows.keyIds[3], run.keyIds[2], unordered.keyIds[0], run.keyIds[63]];
    expect(store.activeKeys.take(mixed, LOCAL, MASTER).map((k) => k.key)).toEqual([
      keyOf(rows, mixed[0]),
      keyOf(run, mixed[1]),
      keyOf(unordered, mixed[2]),
      keyOf(run, mixed[3]),
    ]);
    expect(() => store.activeKeys.take([keyId(3)], 'sae-c', MASTER)).toThrow(KeyAccessDeniedError);
    store.close();
    expect(rowsOf(dir)).toMatchObject({ active_key: 10, active_run: 1 });
  });

  it('refuses an ID activated twice, whether it was first held, delivered or foreign in a run', () => {
    const store = openMasterKeyStore(options(tempDir()));
    store.activeKeys.activate(batchOf(idsFrom(1, 4)), MASTER, [LOCAL]);
    store.activeKeys.activate(batchOf(idsFrom(10, 4)), MASTER, [LOCAL]);
    store.activeKeys.take(idsFrom(10, 4), LOCAL, MASTER);
    store.activeKeys.activate(batchOf(idsFrom(20, 4)), MASTER, ['sae-other-kme']);
    for (const id of [keyId(2), keyId(11), keyId(22)]) {
      for (const again of [[id], [keyId(0), id], [id, keyId(500)]]) {
        expect(() => store.activeKeys.activate(batchOf(again), MASTER, [LOCAL])).toThrow(
          `key ID ${id} activated twice`,
        );
      }
    }
    expect(store.activeKeys.size).toBe(4);
    expect(store.activeKeys.known(keyId(0))).toBe(false);
    store.close();
  });

  it('refuses an ID activated before a reopen, single or in a run, held or delivered', () => {
    const dir = tempDir();
    let store = openMasterKeyStore(options(dir));
    store.activeKeys.activate(batchOf([keyId(900)]), MASTER, [LOCAL]);
    store.activeKeys.activate(batchOf([keyId(901)]), MASTER, ['sae-other-kme']);
    store.activeKeys.activate(batchOf(idsFrom(910, 4)), MASTER, [LOCAL]);
    store.activeKeys.take([keyId(911)], LOCAL, MASTER);
    store.close();

    store = openMasterKeyStore(options(dir));
    for (const id of [900, 901, 911, 913].map(keyId)) {
      expect(() => store.activeKeys.activate(batchOf([id]), MASTER, [LOCAL])).toThrow(
        `key ID ${id} activated twice`,
      );
      expect(() => store.activeKeys.activate(batchOf([keyId(800), id]), MASTER, [LOCAL])).toThrow(
        `key ID ${id} activated twice`,
      );
    }
    // Above everything known, a new batch is taken at once.
    store.activeKeys.activate(batchOf(idsFrom(920, 3)), MASTER, [LOCAL]);
    expect(store.activeKeys.size).toBe(7);
    store.close();
  });

  it('remembers a foreign run as one row, whose keys are refused as not this KME’s', () => {
    const dir = tempDir();
    const store = openMasterKeyStore(options(dir));
    const ids = idsFrom(1, 128);
    store.activeKeys.activate(batchOf(ids), MASTER, ['sae-other-kme']);
    expect(store.activeKeys.size).toBe(0);
    expect(errorOf(() => store.activeKeys.take([ids[5]], LOCAL, MASTER))).toEqual(
      new KeyAccessDeniedError([ids[5]]),
    );
    store.close();
    expect(rowsOf(dir)).toEqual({ active_key: 0, active_run: 0, seen_key: 0, seen_run: 1 });
  });

  it('drops whole runs when over capacity, oldest first, counting their undelivered keys', () => {
    const dropped: number[] = [];
    const store = openMasterKeyStore({
      ...options(tempDir()),
      maxActiveKeys: 100,
      onDropped: (count) => dropped.push(count),
    });
    const runs = [0, 1, 2].map((r) => batchOf(idsFrom(r * 100, 50)));
    store.activeKeys.activate(runs[0], MASTER, [LOCAL]);
    store.activeKeys.take(runs[0].keyIds.slice(0, 5), LOCAL, MASTER);
    store.activeKeys.activate(runs[1], MASTER, [LOCAL]);
    store.activeKeys.activate(runs[2], MASTER, [LOCAL]); // 145 held: over 100 + a slack of 10
    expect(dropped).toEqual([45]);
    expect(store.activeKeys.size).toBe(100);
    expect(() => store.activeKeys.take([runs[0].keyIds[10]], LOCAL, MASTER)).toThrow(
      KeysNotFoundError,
    );
    expect(store.activeKeys.take([runs[1].keyIds[0]], LOCAL, MASTER)[0].key).toEqual(
      keyOf(runs[1], runs[1].keyIds[0]),
    );
    store.close();
  });

  it('wakes a dec_keys waiting for a key of a run once the run is committed', async () => {
    const store = openSlaveKeyStore(options(tempDir()));
    const batch = batchOf(idsFrom(1, 16));
    const waiting = store.activeKeys.whenPresent([batch.keyIds[7]], 10_000);
    store.activeKeys.activate(batch, MASTER, [LOCAL]);
    await waiting;
    expect(store.activeKeys.take([batch.keyIds[7]], LOCAL, MASTER)[0].key).toEqual(
      keyOf(batch, batch.keyIds[7]),
    );
    store.close();
  });
});

describe('remembered runs', () => {
  it('count each of their IDs against the bound, and are forgotten whole, oldest first', () => {
    const dir = tempDir();
    const store = openMasterKeyStore(
      options(dir, { remembered: { count: 300, ageMs: 3_600_000 } }),
    );
    const runs = [0, 1, 2, 3, 4].map((r) => idsFrom(r * 1000, 100));
    for (const ids of runs) store.activeKeys.activate(batchOf(ids), MASTER, ['sae-other-kme']);
    // 500 IDs against a bound of 300 (forgetting a tenth more at a time): the two oldest runs go.
    expect(runs.map((ids) => ids.every((id) => store.activeKeys.known(id)))).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
    expect(runs.flat().some((id, i) => i < 200 && store.activeKeys.known(id))).toBe(false);
    store.close();
    expect(rowsOf(dir).seen_run).toBe(3);
  });

  it('are forgotten once older than ageMs, and deleted from the database', () => {
    const dir = tempDir();
    let now = 1_000_000;
    const store = openMasterKeyStore(
      options(dir, { remembered: { count: 1_000_000, ageMs: 60_000 }, now: () => now }),
    );
    const old = idsFrom(0, 10);
    store.activeKeys.activate(batchOf(old), MASTER, ['sae-other-kme']);
    now += 61_000;
    expect(store.activeKeys.known(old[3])).toBe(false);
    const fresh = idsFrom(100, 10);
    store.activeKeys.activate(batchOf(fresh), MASTER, ['sae-other-kme']);
    expect(store.activeKeys.known(fresh[3])).toBe(true);
    store.close();
    expect(rowsOf(dir).seen_run).toBe(1);
  });
});

describe('a store of schema version 1', () => {
  it('is brought to version 2 at open, keeping its keys', () => {
    const dir = tempDir();
    const batch = batchOf(['k1', 'k2']);
    const store = openSlaveKeyStore(options(dir));
    store.activeKeys.activate(batch, MASTER, [LOCAL]);
    store.close();
    // What version 1 was: the same tables without the runs.
    const file = path.join(dir, 'slave-kme.sqlite');
    const db = new Database(file);
    db.exec('DROP TABLE active_run; DROP TABLE seen_run; PRAGMA user_version = 1;');
    db.close();

    const reopened = openSlaveKeyStore(options(dir));
    expect(reopened.activeKeys.take(['k2'], LOCAL, MASTER)[0].key).toEqual(keyOf(batch, 'k2'));
    reopened.activeKeys.activate(batchOf(idsFrom(1, 4)), MASTER, [LOCAL]);
    reopened.close();
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(2);
    check.close();
    expect(rowsOf(dir, 'slave-kme.sqlite')).toMatchObject({ active_key: 1, active_run: 1 });
  });
});
