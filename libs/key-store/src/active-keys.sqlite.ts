import {
  KeyAccessDeniedError,
  KeysNotFoundError,
  type ActiveKeys,
  type DeliveredKey,
  type KeyBatch,
} from '@app/key-pool';
import type Database from 'better-sqlite3';
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
 * their SAEs in active_key, delivered and foreign IDs in seen_key (bounded), only the count and
 * the waiting dec_keys in memory. Waiters are woken once the activation is committed.
 */
export class SqliteActiveKeys implements ActiveKeys, Reloadable {
  private count = 0;
  private readonly waiters = new Map<string, Set<Waiter>>();
  /**
   * How far over capacity the store may go before dropping: dropping in batches avoids a
   * delete per activation, and a bounded batch avoids one long stall.
   */
  private readonly slack: number;

  private readonly selectKey: Database.Statement<[string], KeyRow>;
  private readonly selectHeld: Database.Statement<[string], { seq: number }>;
  private readonly selectCount: Database.Statement<[], { n: number }>;
  private readonly insertKey: Database.Statement<[string, Buffer, string, string, string]>;
  private readonly insertKeys: Database.Statement<
    [Buffer, number, number, string, string, string, string]
  >;
  private readonly selectAnyKnown: Database.Statement<[string, number], { id: string }>;
  private readonly updateWaiting: Database.Statement<[string, number]>;
  private readonly deleteKey: Database.Statement<[number]>;
  private readonly nthOldest: Database.Statement<[number], { seq: number }>;
  private readonly deleteThrough: Database.Statement<[number]>;

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
    this.selectCount = db.prepare('SELECT count(*) AS n FROM active_key');
    this.insertKey = db.prepare(
      'INSERT INTO active_key (key_id, key, master_sae_id, slave_sae_ids, waiting) VALUES (?, ?, ?, ?, ?)',
    );
    // A batch in one statement each: an activation of 128 keys is one insert, not 128, and its
    // "known already?" check one lookup, not 256.
    this.insertKeys = db.prepare(
      `INSERT INTO active_key (key_id, key, master_sae_id, slave_sae_ids, waiting)
       SELECT j.value, substr(?, j.key * ? + 1, ?), ?, ?, ? FROM json_each(?) j ORDER BY j.key`,
    );
    this.selectAnyKnown = db.prepare(
      `SELECT j.value AS id FROM json_each(?) j
       WHERE EXISTS (SELECT 1 FROM active_key WHERE key_id = j.value)
          OR EXISTS (SELECT 1 FROM seen_key WHERE id = j.value AND at >= ?)
       LIMIT 1`,
    );
    this.updateWaiting = db.prepare('UPDATE active_key SET waiting = ? WHERE seq = ?');
    this.deleteKey = db.prepare('DELETE FROM active_key WHERE seq = ?');
    this.nthOldest = db.prepare('SELECT seq FROM active_key ORDER BY seq LIMIT 1 OFFSET ?');
    this.deleteThrough = db.prepare('DELETE FROM active_key WHERE seq <= ?');
    this.reload();
  }

  get size(): number {
    return this.count;
  }

  reload(): void {
    this.count = this.selectCount.get()?.n ?? 0;
  }

  activate(batch: KeyBatch, masterSaeId: string, slaveSaeIds: readonly string[]): void {
    const { keyIds, material, keyBytes } = batch;
    this.store.write(() => {
      const ids = JSON.stringify(keyIds);
      const known = this.selectAnyKnown.get(ids, this.seen.oldestRemembered());
      if (known !== undefined) throw new Error(`key ID ${known.id} activated twice`);
      if (keyIds.length > 1) {
        const seen = new Set<string>();
        for (const keyId of keyIds) {
          if (seen.has(keyId)) throw new Error(`key ID ${keyId} activated twice`);
          seen.add(keyId);
        }
      }
      const local = slaveSaeIds.filter((id) => this.options.attachedSaeIds.includes(id));
      let dropped = 0;
      if (local.length === 0) {
        this.seen.add(keyIds, ELSEWHERE);
      } else {
        const saes = JSON.stringify(local);
        if (keyIds.length === 1) {
          this.insertKey.run(keyIds[0], material.subarray(0, keyBytes), masterSaeId, saes, saes);
        } else {
          this.insertKeys.run(material, keyBytes, keyBytes, masterSaeId, saes, saes, ids);
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
      const found: { row: KeyRow; waiting: readonly string[] }[] = [];
      const missing: string[] = [];
      const denied: string[] = [];
      for (const keyId of keyIds) {
        const row = this.selectKey.get(keyId);
        if (row === undefined) {
          (this.seen.kindOf(keyId) === ELSEWHERE ? denied : missing).push(keyId);
          continue;
        }
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
      }
      if (denied.length > 0) throw new KeyAccessDeniedError(denied);
      if (missing.length > 0 || new Set(keyIds).size !== keyIds.length) {
        throw new KeysNotFoundError(missing);
      }

      const gone: string[] = [];
      const delivered = keyIds.map((keyId, index) => {
        const { row, waiting } = found[index];
        const left = waiting.filter((id) => id !== callerSaeId);
        if (left.length === 0) {
          this.deleteKey.run(row.seq);
          gone.push(keyId);
        } else {
          this.updateWaiting.run(JSON.stringify(left), row.seq);
        }
        return { keyId, key: row.key };
      });
      if (gone.length > 0) {
        this.seen.add(gone, DELIVERED);
        this.store.touch(this);
        this.count -= gone.length;
      }
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
      () => this.selectHeld.get(keyId) !== undefined || this.seen.kindOf(keyId) !== undefined,
    );
  }

  /** Resolves every waiting dec_keys: the store is closing, nothing will arrive. */
  releaseWaiters(): void {
    const all = new Set<Waiter>();
    for (const set of this.waiters.values()) for (const waiter of set) all.add(waiter);
    for (const waiter of all) waiter.done();
  }

  /** The IDs neither held here nor known to be for the other KME. */
  private absent(keyIds: readonly string[]): string[] {
    return this.store.read(() =>
      keyIds.filter(
        (id) => this.selectHeld.get(id) === undefined && this.seen.kindOf(id) !== ELSEWHERE,
      ),
    );
  }

  private dropOldest(count: number): number {
    const last = this.nthOldest.get(count - 1);
    if (last === undefined) return 0;
    const dropped = this.deleteThrough.run(last.seq).changes;
    this.count -= dropped;
    return dropped;
  }
}
