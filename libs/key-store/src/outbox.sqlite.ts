import type { Outbox, OutboxEntry } from '@app/key-pool';
import type Database from 'better-sqlite3';
import type { Reloadable, SqliteDatabase } from './sqlite-database';
import type { StoreMeta } from './store-meta';

/** Sequence numbers up to this one were handed out and removed; kept so they never come back. */
const REMOVED_THROUGH = 'outbox_removed_through';

/**
 * The transactional outbox in a table. Sequence numbers keep increasing across restarts, even
 * when the outbox was emptied: a sender that remembers "sent through n" is never fooled.
 */
export class SqliteOutbox implements Outbox, Reloadable {
  private count = 0;
  private nextSeq = 1;

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
  }

  add(body: string): number {
    return this.store.writeOne(() => {
      const seq = this.nextSeq;
      this.insert.run(seq, body);
      this.store.touch(this);
      this.nextSeq = seq + 1;
      this.count++;
      return seq;
    });
  }

  entriesAfter(afterSeq: number, limit: number): OutboxEntry[] {
    if (limit <= 0) return [];
    return this.store.read(() => this.selectAfter.all(afterSeq, limit));
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
    });
  }
}
