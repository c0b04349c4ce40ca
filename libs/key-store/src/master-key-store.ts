import { MasterKeyStore } from '@app/key-pool';
import type { SqliteActiveKeys } from './active-keys.sqlite';
import type { KeyStoreOptions } from './key-store-options';
import { SqliteMasterMaterial } from './master-material.sqlite';
import { SqliteOutbox } from './outbox.sqlite';
import { openStoreParts, probeWritable, type StoreParts } from './store-parts';
import type { SqliteStoreValues } from './store-values.sqlite';

/** The master KME's store in one SQLite database: material, keys, outbox, link values. */
export class SqliteMasterKeyStore extends MasterKeyStore {
  readonly storeId: string;
  readonly material: SqliteMasterMaterial;
  readonly outbox: SqliteOutbox;
  readonly activeKeys: SqliteActiveKeys;
  readonly values: SqliteStoreValues;

  constructor(private readonly parts: StoreParts) {
    super();
    this.storeId = parts.storeId;
    this.activeKeys = parts.activeKeys;
    this.values = parts.values;
    this.material = new SqliteMasterMaterial(parts.database, parts.meta);
    this.outbox = new SqliteOutbox(parts.database, parts.meta);
  }

  /** The database file, or ':memory:'. */
  get location(): string {
    return this.parts.database.location;
  }

  transaction<T>(work: () => T): T {
    return this.parts.database.write(work);
  }

  writable(): boolean {
    return probeWritable(this.parts);
  }

  close(): void {
    this.activeKeys.releaseWaiters();
    this.parts.database.close();
  }
}

/** Opens (or creates) the master KME's store `master-kme.sqlite` in `options.dataDir`. */
export function openMasterKeyStore(options: KeyStoreOptions): SqliteMasterKeyStore {
  const parts = openStoreParts(options, 'master');
  try {
    return new SqliteMasterKeyStore(parts);
  } catch (error) {
    parts.database.close();
    throw error;
  }
}
