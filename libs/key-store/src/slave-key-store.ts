import { SlaveKeyStore } from '@app/key-pool';
import type { SqliteActiveKeys } from './active-keys.sqlite';
import { SqliteAppliedMessages } from './applied-messages.sqlite';
import { DEFAULT_REMEMBERED, type KeyStoreOptions } from './key-store-options';
import { RememberedIds } from './remembered-ids.sqlite';
import { SqliteReplicaMaterial } from './replica-material.sqlite';
import { openStoreParts, probeWritable, type StoreParts } from './store-parts';
import type { SqliteStoreValues } from './store-values.sqlite';

/** The slave KME's store in one SQLite database: its copy of the material, keys, applied IDs. */
export class SqliteSlaveKeyStore extends SlaveKeyStore {
  readonly storeId: string;
  readonly material: SqliteReplicaMaterial;
  readonly applied: SqliteAppliedMessages;
  readonly activeKeys: SqliteActiveKeys;
  readonly values: SqliteStoreValues;

  constructor(
    private readonly parts: StoreParts,
    options: KeyStoreOptions,
  ) {
    super();
    this.storeId = parts.storeId;
    this.activeKeys = parts.activeKeys;
    this.values = parts.values;
    this.material = new SqliteReplicaMaterial(parts.database);
    const ids = new RememberedIds(
      parts.database,
      'applied_message',
      options.remembered ?? DEFAULT_REMEMBERED,
      parts.now,
    );
    this.applied = new SqliteAppliedMessages(parts.database, ids);
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

/** Opens (or creates) the slave KME's store `slave-kme.sqlite` in `options.dataDir`. */
export function openSlaveKeyStore(options: KeyStoreOptions): SqliteSlaveKeyStore {
  const parts = openStoreParts(options, 'slave');
  try {
    return new SqliteSlaveKeyStore(parts, options);
  } catch (error) {
    parts.database.close();
    throw error;
  }
}
