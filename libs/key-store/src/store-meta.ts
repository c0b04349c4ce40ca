import type Database from 'better-sqlite3';

/** The store's internal facts (role, store ID, epoch, counters that outlive their rows). */
export class StoreMeta {
  private readonly select: Database.Statement<[string], { value: string }>;
  private readonly upsert: Database.Statement<[string, string]>;

  constructor(db: Database.Database) {
    this.select = db.prepare('SELECT value FROM store_meta WHERE name = ?');
    this.upsert = db.prepare('INSERT OR REPLACE INTO store_meta (name, value) VALUES (?, ?)');
  }

  get(name: string): string | undefined {
    return this.select.get(name)?.value;
  }

  /** The value, which the store wrote when it was created. */
  required(name: string): string {
    const value = this.get(name);
    if (value === undefined) throw new Error(`the key store has no ${name}`);
    return value;
  }

  set(name: string, value: string): void {
    this.upsert.run(name, value);
  }
}
