import type Database from 'better-sqlite3';
import type { Reloadable, SqliteDatabase } from './sqlite-database';

export interface RememberedBounds {
  /** Most IDs remembered. */
  readonly count: number;
  /** An ID older than this is forgotten. */
  readonly ageMs: number;
}

interface SeqRow {
  readonly seq: number;
  readonly at: number;
}

/** Most rows an age pass deletes, so that one call never stalls on a huge backlog. */
const AGE_PASS_ROWS = 10_000;

/**
 * IDs remembered for a while, each with a small kind, bounded by count and by age: what keeps a
 * delivered key from being served twice, also after a restart, without growing forever.
 * Forgetting happens in batches (an nth of the bound at a time), not on every call, and a lookup
 * ignores an ID older than the age bound even before it is deleted.
 */
export class RememberedIds implements Reloadable {
  private size = 0;
  private nextSeq = 1;
  private lastAgePass: number;
  private readonly batch: number;
  private readonly agePassEveryMs: number;

  private readonly selectKind: Database.Statement<[string], { kind: number; at: number }>;
  private readonly insert: Database.Statement<[number, string, number, number]>;
  private readonly insertMany: Database.Statement<[number, number, number, string]>;
  private readonly selectCount: Database.Statement<[], { n: number; last: number | null }>;
  private readonly selectOldest: Database.Statement<[number], SeqRow>;
  private readonly nthOldest: Database.Statement<[number], { seq: number }>;
  private readonly deleteThrough: Database.Statement<[number]>;

  constructor(
    private readonly store: SqliteDatabase,
    table: 'seen_key' | 'applied_message',
    private readonly bounds: RememberedBounds,
    private readonly now: () => number,
  ) {
    const db = store.db;
    this.batch = Math.max(1, Math.min(Math.ceil(bounds.count / 10), 1000));
    this.agePassEveryMs = Math.max(1, Math.min(Math.floor(bounds.ageMs / 10), 60_000));
    this.lastAgePass = now();
    this.selectKind = db.prepare(`SELECT kind, at FROM ${table} WHERE id = ?`);
    // An ID found expired by a lookup may still have its row (deleted by a later pass): replaced.
    // `size` then counts it twice until the next reload, which only makes forgetting start early.
    this.insert = db.prepare(
      `INSERT OR REPLACE INTO ${table} (seq, id, kind, at) VALUES (?, ?, ?, ?)`,
    );
    // Many IDs in one statement: a 128-key activation for the other KME's SAEs is one insert.
    this.insertMany = db.prepare(
      `INSERT OR REPLACE INTO ${table} (seq, id, kind, at)
       SELECT ? + j.key, j.value, ?, ? FROM json_each(?) j`,
    );
    this.selectCount = db.prepare(`SELECT count(*) AS n, max(seq) AS last FROM ${table}`);
    this.selectOldest = db.prepare(`SELECT seq, at FROM ${table} ORDER BY seq LIMIT ?`);
    this.nthOldest = db.prepare(`SELECT seq FROM ${table} ORDER BY seq LIMIT 1 OFFSET ?`);
    this.deleteThrough = db.prepare(`DELETE FROM ${table} WHERE seq <= ?`);
    this.reload();
  }

  reload(): void {
    const { n, last } = this.selectCount.get() ?? { n: 0, last: null };
    this.size = n;
    this.nextSeq = (last ?? 0) + 1;
  }

  /** The kind the ID was remembered with, or undefined when it is not (or no longer) known. */
  kindOf(id: string): number | undefined {
    const row = this.selectKind.get(id);
    if (row === undefined || row.at < this.now() - this.bounds.ageMs) return undefined;
    return row.kind;
  }

  /** The time before which a remembered ID counts as forgotten (for lookups in SQL). */
  oldestRemembered(): number {
    return this.now() - this.bounds.ageMs;
  }

  /** Remembers new IDs (in a write); then forgets the oldest when a bound is passed. */
  add(ids: readonly string[], kind: number): void {
    const at = this.now();
    const seq = this.nextSeq;
    if (ids.length === 1) this.insert.run(seq, ids[0], kind, at);
    else this.insertMany.run(seq, kind, at, JSON.stringify(ids));
    this.store.touch(this);
    this.nextSeq = seq + ids.length;
    this.size += ids.length;
    if (this.size > this.bounds.count)
      this.forgetOldest(this.size - this.bounds.count + this.batch);
    if (at - this.lastAgePass >= this.agePassEveryMs) this.forgetExpired(at);
  }

  private forgetOldest(count: number): void {
    const last = this.nthOldest.get(Math.min(count, this.size) - 1);
    if (last === undefined) return;
    this.size -= this.deleteThrough.run(last.seq).changes;
  }

  private forgetExpired(now: number): void {
    const cutoff = now - this.bounds.ageMs;
    let through: number | undefined;
    let expired = 0;
    let reachedUnexpired = false;
    for (const { seq, at } of this.selectOldest.iterate(AGE_PASS_ROWS)) {
      if (at >= cutoff) {
        reachedUnexpired = true;
        break;
      }
      through = seq;
      expired++;
    }
    if (through !== undefined) this.size -= this.deleteThrough.run(through).changes;
    // A pass cut short by its row limit goes on at the next call.
    if (reachedUnexpired || expired < AGE_PASS_ROWS) this.lastAgePass = now;
  }
}
