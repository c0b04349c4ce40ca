import type Database from 'better-sqlite3';
import {
  RUN_ID_LENGTH,
  formsRun,
  highestOf,
  indexInRun,
  joinRun,
  laterOf,
  runIdAt,
  runIds,
  runLength,
} from './key-runs';
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
  /** IDs the row holds: 1, or a run's length. */
  readonly n: number;
}

interface RunRow {
  readonly last_id: string;
  readonly ids: string;
  readonly kind: number;
  readonly at: number;
}

/** Most rows an age pass deletes, so that one call never stalls on a huge backlog. */
const AGE_PASS_ROWS = 10_000;

/**
 * IDs remembered for a while, each with a small kind, bounded by count and by age: what keeps a
 * delivered key from being served twice, also after a restart, without growing forever.
 * Forgetting happens in batches (an nth of the bound at a time), not on every call, and a lookup
 * ignores an ID older than the age bound even before it is deleted. With a table of runs beside
 * it (seen_key's seen_run), ascending batches are remembered as one row each (see key-runs.ts).
 */
export class RememberedIds implements Reloadable {
  private size = 0;
  private nextSeq = 1;
  /** The highest last ID of the runs, or undefined without any (or without a table of runs). */
  private runsEnd: string | undefined;
  /** At least the highest ID remembered, in either table (an ID forgotten since may be it). */
  private highest: string | undefined;
  private lastAgePass: number;
  private readonly batch: number;
  private readonly agePassEveryMs: number;

  private readonly selectKind: Database.Statement<[string], { kind: number; at: number }>;
  private readonly insert: Database.Statement<[number, string, number, number]>;
  private readonly insertMany: Database.Statement<[number, number, number, string]>;
  private readonly selectCount: Database.Statement<
    [],
    { n: number; last: number | null; highest: string | null }
  >;
  private readonly selectOldest: Database.Statement<[], SeqRow>;
  private readonly deleteThrough: Database.Statement<[number]>;
  private readonly runs?: {
    readonly select: Database.Statement<[string], RunRow>;
    readonly insert: Database.Statement<[number, string, string, string, number, number]>;
    readonly count: Database.Statement<
      [],
      { n: number | null; last: number | null; end: string | null }
    >;
    readonly deleteThrough: Database.Statement<[number]>;
  };

  constructor(
    private readonly store: SqliteDatabase,
    table: 'seen_key' | 'applied_message',
    private readonly bounds: RememberedBounds,
    private readonly now: () => number,
    runTable?: 'seen_run',
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
    this.selectCount = db.prepare(
      `SELECT count(*) AS n, max(seq) AS last, (SELECT max(id) FROM ${table}) AS highest FROM ${table}`,
    );
    this.deleteThrough = db.prepare(`DELETE FROM ${table} WHERE seq <= ?`);
    if (runTable === undefined) {
      this.selectOldest = db.prepare(`SELECT seq, at, 1 AS n FROM ${table} ORDER BY seq`);
    } else {
      // Both tables in seq order, merged: what is oldest spans singles and runs.
      this.selectOldest = db.prepare(
        `SELECT seq, at, 1 AS n FROM ${table}
         UNION ALL SELECT seq, at, length(ids) / ${RUN_ID_LENGTH} AS n FROM ${runTable}
         ORDER BY seq`,
      );
      this.runs = {
        select: db.prepare(
          `SELECT last_id, ids, kind, at FROM ${runTable} WHERE first_id <= ? ORDER BY first_id DESC LIMIT 1`,
        ),
        insert: db.prepare(
          `INSERT INTO ${runTable} (seq, first_id, last_id, ids, kind, at) VALUES (?, ?, ?, ?, ?, ?)`,
        ),
        // Runs never overlap: the one that starts last ends last.
        count: db.prepare(
          `SELECT (SELECT sum(length(ids) / ${RUN_ID_LENGTH}) FROM ${runTable}) AS n,
                  (SELECT max(seq) FROM ${runTable}) AS last,
                  (SELECT last_id FROM ${runTable} ORDER BY first_id DESC LIMIT 1) AS end`,
        ),
        deleteThrough: db.prepare(`DELETE FROM ${runTable} WHERE seq <= ?`),
      };
    }
    this.reload();
  }

  reload(): void {
    const { n, last, highest } = this.selectCount.get() ?? { n: 0, last: null, highest: null };
    const runs = this.runs?.count.get();
    this.size = n + (runs?.n ?? 0);
    this.nextSeq = Math.max(last ?? 0, runs?.last ?? 0) + 1;
    this.runsEnd = runs?.end ?? undefined;
    this.highest = laterOf(highest ?? undefined, this.runsEnd);
  }

  /** Whether every ID remembered is below `id`: then no lookup can find it or any above. */
  isAbove(id: string): boolean {
    return this.highest === undefined || id > this.highest;
  }

  /** The kind the ID was remembered with, or undefined when it is not (or no longer) known. */
  kindOf(id: string): number | undefined {
    const oldest = this.oldestRemembered();
    const row = this.selectKind.get(id);
    if (row !== undefined && row.at >= oldest) return row.kind;
    const run = this.runOf(id);
    return run !== undefined && run.at >= oldest ? run.kind : undefined;
  }

  /**
   * One of `ids` remembered in a run, or undefined; what a check for IDs seen before needs besides
   * a lookup of the single rows. Free when the IDs are all above every run.
   */
  anyInRuns(ids: readonly string[]): string | undefined {
    if (this.runsEnd === undefined) return undefined;
    const oldest = this.oldestRemembered();
    for (const id of ids) {
      if (id > this.runsEnd) continue;
      const run = this.runOf(id);
      if (run !== undefined && run.at >= oldest) return id;
    }
    return undefined;
  }

  /** The time before which a remembered ID counts as forgotten (for lookups in SQL). */
  oldestRemembered(): number {
    return this.now() - this.bounds.ageMs;
  }

  /** Remembers new IDs (in a write); then forgets the oldest when a bound is passed. */
  add(ids: readonly string[], kind: number): void {
    if (this.runs !== undefined && formsRun(ids, this.runsEnd)) {
      this.addRun(joinRun(ids), kind);
      return;
    }
    const at = this.now();
    if (ids.length === 1) this.insert.run(this.nextSeq, ids[0], kind, at);
    else this.insertMany.run(this.nextSeq, kind, at, JSON.stringify(ids));
    this.highest = laterOf(this.highest, highestOf(ids));
    this.added(ids.length, at);
  }

  /**
   * Remembers the IDs of a run, joined as key-runs.ts joins them: as one row when they are above
   * every run here too, else a row each.
   */
  addRun(joined: string, kind: number): void {
    const first = runIdAt(joined, 0);
    if (this.runs === undefined || (this.runsEnd !== undefined && first <= this.runsEnd)) {
      this.add(runIds(joined), kind);
      return;
    }
    const at = this.now();
    const last = runIdAt(joined, runLength(joined) - 1);
    this.runs.insert.run(this.nextSeq, first, last, joined, kind, at);
    this.runsEnd = laterOf(this.runsEnd, last);
    this.highest = laterOf(this.highest, last);
    this.added(runLength(joined), at);
  }

  /** Counts `count` IDs added at `at`; then forgets the oldest when a bound is passed. */
  private added(count: number, at: number): void {
    this.store.touch(this);
    this.nextSeq += count;
    this.size += count;
    if (this.size > this.bounds.count) {
      this.forgetOldest(this.size - this.bounds.count + this.batch);
    }
    if (at - this.lastAgePass >= this.agePassEveryMs) this.forgetExpired(at);
  }

  /** The run whose range holds `id`, if `id` is one of its IDs. */
  private runOf(id: string): RunRow | undefined {
    if (this.runs === undefined || this.runsEnd === undefined || id > this.runsEnd)
      return undefined;
    const run = this.runs.select.get(id);
    return run !== undefined && id <= run.last_id && indexInRun(run.ids, id) >= 0 ? run : undefined;
  }

  /** Forgets the oldest rows holding at least `count` IDs (a run goes as a whole). */
  private forgetOldest(count: number): void {
    let through: number | undefined;
    let ids = 0;
    for (const row of this.selectOldest.iterate()) {
      through = row.seq;
      ids += row.n;
      if (ids >= count) break;
    }
    if (through !== undefined) this.forgetThrough(through, ids);
  }

  private forgetExpired(now: number): void {
    const cutoff = now - this.bounds.ageMs;
    let through: number | undefined;
    let expiredRows = 0;
    let ids = 0;
    let reachedUnexpired = false;
    for (const { seq, at, n } of this.selectOldest.iterate()) {
      if (at >= cutoff) {
        reachedUnexpired = true;
        break;
      }
      if (expiredRows === AGE_PASS_ROWS) break;
      through = seq;
      expiredRows++;
      ids += n;
    }
    if (through !== undefined) this.forgetThrough(through, ids);
    // A pass cut short by its row limit goes on at the next call.
    if (reachedUnexpired || expiredRows < AGE_PASS_ROWS) this.lastAgePass = now;
  }

  /** Deletes the rows up to `seq`, which hold `ids` IDs. */
  private forgetThrough(seq: number, ids: number): void {
    this.deleteThrough.run(seq);
    this.runs?.deleteThrough.run(seq);
    this.size -= ids;
  }
}
