import type { Outbox, OutboxEntry } from '@app/key-pool';
import type Database from 'better-sqlite3';
import type { Reloadable, SqliteDatabase } from './sqlite-database';
import type { StoreMeta } from './store-meta';

/** Sequence numbers up to this one were handed out and removed; kept so they never come back. */
const REMOVED_THROUGH = 'outbox_removed_through';

/**
 * The transactional outbox in a table. Sequence numbers keep increasing across restarts, even
 * when the outbox was emptied: a sender that remembers "sent through n" is never fooled.
 *
 * Entries added in this run are also kept in memory until removed, so that the sender reads
 * them without a query; those from before a restart (or a rollback) are read from the table.
 */
export class SqliteOutbox implements Outbox, Reloadable {
  private count = 0;
  private nextSeq = 1;
  /** This run's entries not yet removed, oldest first; any older ones are only in the table. */
  private recent: OutboxEntry[] = [];

  private readonly insert: Database.Statement<[number, string]>;
  private readonly selectAfter: Database.Statement<[number, number], OutboxEntry>;
  private readonly deleteThrough: Database.Statement<[number]>;
  private readonly selectCount: Database.Statement<[], { n: number; last: number | null }>;

  constructor(
    private readonly store: SqliteDatabase,
    private readonly meta: StoreMeta,
  ) {
    const db = store.db;
    this.insert = db.prepare('INSERT INTO outbox (seq, body) VALUES (?, ?)');
    this.selectAfter = db.prepare(
      'SELECT seq, body FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?',
    );
    this.deleteThrough = db.prepare('DELETE FROM outbox WHERE seq <= ?');
    this.selectCount = db.prepare('SELECT count(*) AS n, max(seq) AS last FROM outbox');
    this.reload();
  }

  get size(): number {
    return this.count;
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  reload(): void {
    const { n, last } = this.selectCount.get() ?? { n: 0, last: null };
    const removed = Number(this.meta.get(REMOVED_THROUGH) ?? 0);
    this.count = n;
    this.nextSeq = Math.max(last ?? 0, removed) + 1;
    this.recent = [];
  }

  add(body: string): number {
    return this.store.writeOne(() => {
      const seq = this.nextSeq;
      this.insert.run(seq, body);
      this.store.touch(this);
      this.recent.push({ seq, body });
      this.nextSeq = seq + 1;
      this.count++;
      return seq;
    });
  }

  entriesAfter(afterSeq: number, limit: number): OutboxEntry[] {
    if (limit <= 0) return [];
    const firstInMemory = this.recent[0]?.seq ?? this.nextSeq;
    if (afterSeq + 1 < firstInMemory) {
      return this.store.read(() => this.selectAfter.all(afterSeq, limit));
    }
    const from = afterSeq + 1 - firstInMemory;
    return this.recent.slice(from, from + limit);
  }

  removeThrough(seq: number): void {
    this.store.write(() => {
      const removed = this.deleteThrough.run(seq).changes;
      const through = Math.min(seq, this.nextSeq - 1);
      if (through > Number(this.meta.get(REMOVED_THROUGH) ?? 0)) {
        this.meta.set(REMOVED_THROUGH, String(through));
      }
      this.store.touch(this);
      this.count -= removed;
      const kept = this.recent.findIndex((entry) => entry.seq > seq);
      this.recent = kept === -1 ? [] : this.recent.slice(kept);
    });
  }
}
