import type { StoreValues } from '@app/key-pool';
import type Database from 'better-sqlite3';
import type { Reloadable, SqliteDatabase } from './sqlite-database';

/** The link's named values in a small table, cached in memory (they are read per request). */
export class SqliteStoreValues implements StoreValues, Reloadable {
  private values = new Map<string, string>();
  private readonly selectAll: Database.Statement<[], { name: string; value: string }>;
  private readonly upsert: Database.Statement<[string, string]>;
  private readonly remove: Database.Statement<[string]>;

  constructor(private readonly store: SqliteDatabase) {
    const db = store.db;
    this.selectAll = db.prepare('SELECT name, value FROM store_value');
    this.upsert = db.prepare('INSERT OR REPLACE INTO store_value (name, value) VALUES (?, ?)');
    this.remove = db.prepare('DELETE FROM store_value WHERE name = ?');
    this.reload();
  }

  reload(): void {
    this.values = new Map(this.selectAll.all().map(({ name, value }) => [name, value]));
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  set(name: string, value: string | undefined): void {
    this.store.writeOne(() => {
      if (value === undefined) this.remove.run(name);
      else this.upsert.run(name, value);
      this.store.touch(this);
      if (value === undefined) this.values.delete(name);
      else this.values.set(name, value);
    });
  }
}
