import {
  KeyAccessDeniedError,
  KeysNotFoundError,
  type ActiveKeys,
  type DeliveredKey,
  type KeyBatch,
} from '@app/key-pool';
import type Database from 'better-sqlite3';
import {
  RUN_ID_LENGTH,
  WaitingBits,
  ascending,
  formsRun,
  highestOf,
  indexInRun,
  joinRun,
  laterOf,
  runLength,
} from './key-runs';
import type { RememberedIds } from './remembered-ids.sqlite';
import type { Reloadable, SqliteDatabase } from './sqlite-database';

/** Kinds of seen_key rows. */
const DELIVERED = 1;
const ELSEWHERE = 2;

interface KeyRow {
  readonly seq: number;
  readonly key: Buffer;
  readonly master_sae_id: string;
  readonly slave_sae_ids: string;
  readonly waiting: string;
}

interface RunRow {
  readonly seq: number;
  readonly last_id: string;
  readonly ids: string;
  readonly keys: Buffer;
  readonly master_sae_id: string;
  readonly slave_sae_ids: string;
  readonly waiting: Buffer;
  readonly held: number;
}

/** A run found by a take, with what the take changes in it. */
interface TakenRun {
  readonly row: RunRow;
  readonly slaves: readonly string[];
  readonly keyBytes: number;
  /** Copies of the row's values, changed by the take and written back once. */
  readonly keys: Buffer;
  readonly waiting: WaitingBits;
  held: number;
  /** The index after the last key found in it: where the next requested ID likely is. */
  next: number;
}

/** Where a take found a key: a single row, or a run with the key's index in it. */
type Found =
  | { readonly row: KeyRow; readonly waiting: readonly string[] }
  | { readonly run: TakenRun; readonly index: number };

export interface ActiveKeysOptions {
  /** SAEs attached to this KME: the only slave SAEs whose keys are kept. */
  readonly attachedSaeIds: readonly string[];
  /** Most undelivered keys kept; beyond it the oldest are dropped. */
  readonly capacity: number;
  readonly onDropped?: (count: number) => void;
}

/** A dec_keys waiting in whenPresent. */
interface Waiter {
  /** Looks again whether every ID is here now. */
  readonly check: () => void;
  readonly done: () => void;
}

const saeList = (json: string): readonly string[] => JSON.parse(json) as string[];

/**
 * Activated keys (see ActiveKeyStore, whose semantics it keeps) on disk: undelivered keys with
 * their SAEs in active_key, or in active_run for a batch of ascending IDs (see key-runs.ts),
 * delivered and foreign IDs in seen_key and seen_run (bounded), only the count and the waiting
 * dec_keys in memory. Waiters are woken once the activation is committed.
 */
export class SqliteActiveKeys implements ActiveKeys, Reloadable {
  private count = 0;
  /** The next seq, shared by active_key and active_run. */
  private nextSeq = 1;
  /** The highest last ID of active_run's runs, or undefined without any. */
  private runsEnd: string | undefined;
  /** At least the highest key ID of active_key (one delivered since may be it). */
  private keysEnd: string | undefined;
  private readonly waiters = new Map<string, Set<Waiter>>();
  /**
   * How far over capacity the store may go before dropping: dropping in batches avoids a
   * delete per activation, and a bounded batch avoids one long stall.
   */
  private readonly slack: number;

  private readonly selectKey: Database.Statement<[string], KeyRow>;
  private readonly selectHeld: Database.Statement<[string], { seq: number }>;
  private readonly selectCount: Database.Statement<
    [],
    { n: number; last: number | null; runKeys: number | null; runLast: number | null }
  >;
  private readonly selectRunsEnd: Database.Statement<[], { end: string | null }>;
  private readonly selectKeysEnd: Database.Statement<[], { end: string | null }>;
  private readonly insertKey: Database.Statement<[number, string, Buffer, string, string, string]>;
  private readonly insertKeys: Database.Statement<
    [number, Buffer, number, number, string, string, string, string]
  >;
  private readonly insertRun: Database.Statement<
    [number, string, string, string, Buffer, string, string, Buffer, number]
  >;
  private readonly selectAnyKnown: Database.Statement<[string, number], { id: string }>;
  private readonly updateWaiting: Database.Statement<[string, number]>;
  private readonly deleteKey: Database.Statement<[number]>;
  private readonly selectRun: Database.Statement<[string], RunRow>;
  private readonly updateRun: Database.Statement<[Buffer, Buffer, number, number]>;
  private readonly deleteRun: Database.Statement<[number]>;
  private readonly selectOldest: Database.Statement<[], { seq: number; n: number }>;
  private readonly deleteThrough: Database.Statement<[number]>;
  private readonly deleteRunsThrough: Database.Statement<[number]>;

  constructor(
    private readonly store: SqliteDatabase,
    private readonly seen: RememberedIds,
    private readonly options: ActiveKeysOptions,
  ) {
    const db = store.db;
    this.slack = Math.min(Math.ceil(options.capacity / 10), 1000);
    this.selectKey = db.prepare(
      'SELECT seq, key, master_sae_id, slave_sae_ids, waiting FROM active_key WHERE key_id = ?',
    );
    this.selectHeld = db.prepare('SELECT seq FROM active_key WHERE key_id = ?');
    this.selectCount = db.prepare(
      `SELECT (SELECT count(*) FROM active_key) AS n, (SELECT max(seq) FROM active_key) AS last,
              (SELECT sum(held) FROM active_run) AS runKeys, (SELECT max(seq) FROM active_run) AS runLast`,
    );
    // Runs never overlap: the one that starts last ends last.
    this.selectRunsEnd = db.prepare(
      'SELECT last_id AS end FROM active_run ORDER BY first_id DESC LIMIT 1',
    );
    this.selectKeysEnd = db.prepare('SELECT max(key_id) AS end FROM active_key');
    this.insertKey = db.prepare(
      'INSERT INTO active_key (seq, key_id, key, master_sae_id, slave_sae_ids, waiting) VALUES (?, ?, ?, ?, ?, ?)',
    );
    // A batch that is no run in one statement: one insert, not one per key, and its "known
    // already?" check one lookup, not two per key.
    this.insertKeys = db.prepare(
      `INSERT INTO active_key (seq, key_id, key, master_sae_id, slave_sae_ids, waiting)
       SELECT ? + j.key, j.value, substr(?, j.key * ? + 1, ?), ?, ?, ? FROM json_each(?) j ORDER BY j.key`,
    );
    this.insertRun = db.prepare(
      `INSERT INTO active_run (seq, first_id, last_id, ids, keys, master_sae_id, slave_sae_ids, waiting, held)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.selectAnyKnown = db.prepare(
      `SELECT j.value AS id FROM json_each(?) j
       WHERE EXISTS (SELECT 1 FROM active_key WHERE key_id = j.value)
          OR EXISTS (SELECT 1 FROM seen_key WHERE id = j.value AND at >= ?)
       LIMIT 1`,
    );
    this.updateWaiting = db.prepare('UPDATE active_key SET waiting = ? WHERE seq = ?');
    this.deleteKey = db.prepare('DELETE FROM active_key WHERE seq = ?');
    this.selectRun = db.prepare(
      `SELECT seq, last_id, ids, keys, master_sae_id, slave_sae_ids, waiting, held FROM active_run
       WHERE first_id <= ? ORDER BY first_id DESC LIMIT 1`,
    );
    this.updateRun = db.prepare(
      'UPDATE active_run SET keys = ?, waiting = ?, held = ? WHERE seq = ?',
    );
    this.deleteRun = db.prepare('DELETE FROM active_run WHERE seq = ?');
    // Both tables in seq order, merged: the oldest keys, whichever table holds them.
    this.selectOldest = db.prepare(
      `SELECT seq, 1 AS n FROM active_key UNION ALL SELECT seq, held AS n FROM active_run ORDER BY seq`,
    );
    this.deleteThrough = db.prepare('DELETE FROM active_key WHERE seq <= ?');
    this.deleteRunsThrough = db.prepare('DELETE FROM active_run WHERE seq <= ?');
    this.reload();
  }

  get size(): number {
    return this.count;
  }

  reload(): void {
    const row = this.selectCount.get();
    this.count = (row?.n ?? 0) + (row?.runKeys ?? 0);
    this.nextSeq = Math.max(row?.last ?? 0, row?.runLast ?? 0) + 1;
    this.runsEnd = this.selectRunsEnd.get()?.end ?? undefined;
    this.keysEnd = this.selectKeysEnd.get()?.end ?? undefined;
  }

  activate(batch: KeyBatch, masterSaeId: string, slaveSaeIds: readonly string[]): void {
    const { keyIds, material, keyBytes } = batch;
    this.store.write(() => {
      this.refuseKnown(keyIds);
      const local = slaveSaeIds.filter((id) => this.options.attachedSaeIds.includes(id));
      let dropped = 0;
      if (local.length === 0) {
        this.seen.add(keyIds, ELSEWHERE);
      } else {
        const saes = JSON.stringify(local);
        const seq = this.nextSeq;
        if (formsRun(keyIds, this.runsEnd)) {
          const last = keyIds[keyIds.length - 1];
          const keys = material.subarray(0, keyIds.length * keyBytes);
          const waiting = WaitingBits.all(keyIds.length, local.length).bytes;
          this.insertRun.run(
            seq,
            keyIds[0],
            last,
            joinRun(keyIds),
            keys,
            masterSaeId,
            saes,
            waiting,
            keyIds.length,
          );
          this.runsEnd = laterOf(this.runsEnd, last);
          this.nextSeq = seq + 1;
        } else if (keyIds.length === 1) {
          this.insertKey.run(
            seq,
            keyIds[0],
            material.subarray(0, keyBytes),
            masterSaeId,
            saes,
            saes,
          );
          this.nextSeq = seq + 1;
          this.keysEnd = laterOf(this.keysEnd, keyIds[0]);
        } else {
          const ids = JSON.stringify(keyIds);
          this.insertKeys.run(seq, material, keyBytes, keyBytes, masterSaeId, saes, saes, ids);
          this.nextSeq = seq + keyIds.length;
          this.keysEnd = laterOf(this.keysEnd, highestOf(keyIds));
        }
        this.store.touch(this);
        this.count += keyIds.length;
        if (this.count > this.options.capacity + this.slack) {
          dropped = this.dropOldest(this.count - this.options.capacity);
        }
      }
      this.store.afterCommit(() => {
        for (const keyId of keyIds) {
          const waiting = this.waiters.get(keyId);
          if (waiting) for (const waiter of [...waiting]) waiter.check();
        }
        if (dropped > 0) this.options.onDropped?.(dropped);
      });
    });
  }

  take(keyIds: readonly string[], callerSaeId: string, masterSaeId: string): DeliveredKey[] {
    return this.store.write(() => {
      const found: Found[] = [];
      const runs = new Map<number, TakenRun>();
      const missing: string[] = [];
      const denied: string[] = [];
      for (const keyId of keyIds) {
        // A key of a run this take found already needs no lookup: IDs are in a run or in
        // active_key, never both.
        const cached = this.cachedRunOf(keyId, runs);
        const row = cached === undefined ? this.selectKey.get(keyId) : undefined;
        if (row !== undefined) {
          const waiting = saeList(row.waiting);
          found.push({ row, waiting });
          if (
            !saeList(row.slave_sae_ids).includes(callerSaeId) ||
            row.master_sae_id !== masterSaeId
          ) {
            denied.push(keyId);
          } else if (!waiting.includes(callerSaeId)) {
            missing.push(keyId);
          }
          continue;
        }
        const inRun = cached ?? this.runOf(keyId, runs);
        if (inRun === undefined) {
          (this.seen.kindOf(keyId) === ELSEWHERE ? denied : missing).push(keyId);
          continue;
        }
        found.push(inRun);
        const { run, index } = inRun;
        const sae = run.slaves.indexOf(callerSaeId);
        if (sae < 0 || run.row.master_sae_id !== masterSaeId) denied.push(keyId);
        else if (!run.waiting.waits(index, sae)) missing.push(keyId);
      }
      if (denied.length > 0) throw new KeyAccessDeniedError(denied);
      if (missing.length > 0 || new Set(keyIds).size !== keyIds.length) {
        throw new KeysNotFoundError(missing);
      }

      const gone: string[] = [];
      const delivered = keyIds.map((keyId, index) => {
        const place = found[index];
        if ('run' in place) return { keyId, key: this.takeFromRun(place, callerSaeId) };
        const { row, waiting } = place;
        const left = waiting.filter((id) => id !== callerSaeId);
        if (left.length === 0) {
          this.deleteKey.run(row.seq);
          gone.push(keyId);
        } else {
          this.updateWaiting.run(JSON.stringify(left), row.seq);
        }
        return { keyId, key: row.key };
      });
      for (const run of runs.values()) this.saveRun(run);
      if (gone.length > 0) {
        this.seen.add(gone, DELIVERED);
        this.count -= gone.length;
      }
      this.store.touch(this);
      return delivered;
    });
  }

  async whenPresent(keyIds: readonly string[], timeoutMs: number): Promise<void> {
    let ids: string[];
    try {
      ids = this.absent(keyIds);
      if (ids.length === 0 || timeoutMs <= 0) return;
      if (keyIds.some((id) => this.seen.kindOf(id) === DELIVERED)) return;
    } catch {
      return; // never throws: take then says what is wrong
    }
    await new Promise<void>((resolve) => {
      const waiter: Waiter = {
        check: () => {
          let arrived: boolean;
          try {
            arrived = this.absent(ids).length === 0;
          } catch {
            arrived = true;
          }
          if (arrived) waiter.done();
        },
        done: () => {
          clearTimeout(timer);
          for (const id of ids) {
            const set = this.waiters.get(id);
            set?.delete(waiter);
            if (set?.size === 0) this.waiters.delete(id);
          }
          resolve();
        },
      };
      const timer = setTimeout(waiter.done, timeoutMs);
      for (const id of ids) {
        const set = this.waiters.get(id) ?? new Set();
        set.add(waiter);
        this.waiters.set(id, set);
      }
    });
  }

  known(keyId: string): boolean {
    return this.store.read(
      () =>
        this.selectHeld.get(keyId) !== undefined ||
        this.runOf(keyId) !== undefined ||
        this.seen.kindOf(keyId) !== undefined,
    );
  }

  /** Resolves every waiting dec_keys: the store is closing, nothing will arrive. */
  releaseWaiters(): void {
    const all = new Set<Waiter>();
    for (const set of this.waiters.values()) for (const waiter of set) all.add(waiter);
    for (const waiter of all) waiter.done();
  }

  /**
   * The IDs neither held here nor known to be for the other KME. A key of a run counts as held
   * until the whole run is delivered, also when it was fetched already: take then says so.
   */
  private absent(keyIds: readonly string[]): string[] {
    return this.store.read(() =>
      keyIds.filter(
        (id) =>
          this.selectHeld.get(id) === undefined &&
          this.runOf(id) === undefined &&
          this.seen.kindOf(id) !== ELSEWHERE,
      ),
    );
  }

  /**
   * The run holding `keyId` and the key's index in it, or undefined. With `cache`, a run found
   * is kept there, for the rest of a take to find without a lookup and to change in one place.
   */
  private runOf(
    keyId: string,
    cache?: Map<number, TakenRun>,
  ): { run: TakenRun; index: number } | undefined {
    if (this.runsEnd === undefined || keyId > this.runsEnd || keyId.length !== RUN_ID_LENGTH) {
      return undefined;
    }
    const row = this.selectRun.get(keyId);
    if (row === undefined || keyId > row.last_id) return undefined;
    const index = indexInRun(row.ids, keyId);
    if (index < 0) return undefined;
    const slaves = saeList(row.slave_sae_ids);
    const run: TakenRun = {
      row,
      slaves,
      keyBytes: row.keys.length / runLength(row.ids),
      keys: Buffer.from(row.keys),
      waiting: WaitingBits.of(row.waiting, slaves.length),
      held: row.held,
      next: index + 1,
    };
    cache?.set(row.seq, run);
    return { run, index };
  }

  /** The run of `cache` holding `keyId`, trying first the key after the last one found. */
  private cachedRunOf(
    keyId: string,
    cache: Map<number, TakenRun>,
  ): { run: TakenRun; index: number } | undefined {
    for (const run of cache.values()) {
      if (keyId < run.row.ids.slice(0, RUN_ID_LENGTH) || keyId > run.row.last_id) continue;
      const index = indexInRun(run.row.ids, keyId, run.next);
      if (index >= 0) {
        run.next = index + 1;
        return { run, index };
      }
    }
    return undefined;
  }

  /** The caller's key from a run, marked fetched; zeroed in the run once no SAE waits for it. */
  private takeFromRun(
    { run, index }: { run: TakenRun; index: number },
    callerSaeId: string,
  ): Buffer {
    const start = index * run.keyBytes;
    // From the row as read, which the take does not change (it zeroes its copy).
    const key = run.row.keys.subarray(start, start + run.keyBytes);
    if (!run.waiting.clear(index, run.slaves.indexOf(callerSaeId))) {
      run.keys.fill(0, start, start + run.keyBytes);
      run.held--;
      this.count--;
    }
    return key;
  }

  /** Writes a taken run back; a run no SAE waits for any more is deleted and its IDs remembered. */
  private saveRun(run: TakenRun): void {
    if (run.held > 0) {
      this.updateRun.run(run.keys, run.waiting.bytes, run.held, run.row.seq);
    } else {
      this.deleteRun.run(run.row.seq);
      this.seen.addRun(run.row.ids, DELIVERED);
    }
  }

  /**
   * Throws when a key ID is given twice or was activated here before (held, delivered or
   * foreign). IDs above every ID the store knows, as time-ordered ones are, need no lookup.
   */
  private refuseKnown(keyIds: readonly string[]): void {
    let lowest = keyIds[0];
    if (!ascending(keyIds)) {
      const seen = new Set<string>();
      for (const keyId of keyIds) {
        if (seen.has(keyId)) throw new Error(`key ID ${keyId} activated twice`);
        seen.add(keyId);
        if (keyId < lowest) lowest = keyId;
      }
    }
    const highest = laterOf(this.keysEnd, this.runsEnd);
    if ((highest === undefined || lowest > highest) && this.seen.isAbove(lowest)) return;
    const known =
      this.selectAnyKnown.get(JSON.stringify(keyIds), this.seen.oldestRemembered())?.id ??
      keyIds.find((id) => this.runOf(id) !== undefined) ??
      this.seen.anyInRuns(keyIds);
    if (known !== undefined) throw new Error(`key ID ${known} activated twice`);
  }

  /** Drops the oldest keys, at least `count` of them (a run goes as a whole); how many. */
  private dropOldest(count: number): number {
    let through: number | undefined;
    let dropped = 0;
    for (const row of this.selectOldest.iterate()) {
      through = row.seq;
      dropped += row.n;
      if (dropped >= count) break;
    }
    if (through === undefined) return 0;
    this.deleteThrough.run(through);
    this.deleteRunsThrough.run(through);
    this.count -= dropped;
    return dropped;
  }
}
