import { SqliteActiveKeys } from './active-keys.sqlite';
import { DEFAULT_REMEMBERED, type KeyStoreOptions } from './key-store-options';
import { openDatabase } from './open-database';
import { RememberedIds } from './remembered-ids.sqlite';
import type { StoreRole } from './schema';
import { SqliteDatabase } from './sqlite-database';
import { StoreMeta } from './store-meta';
import { SqliteStoreValues } from './store-values.sqlite';

/** What both roles' stores are made of, opened and loaded. */
export interface StoreParts {
  readonly database: SqliteDatabase;
  readonly meta: StoreMeta;
  readonly storeId: string;
  readonly activeKeys: SqliteActiveKeys;
  readonly values: SqliteStoreValues;
  readonly remembered: RememberedIds;
  readonly now: () => number;
}

/** Opens the database of `role` and builds the parts both roles share. */
export function openStoreParts(options: KeyStoreOptions, role: StoreRole): StoreParts {
  validate(options);
  const { db, location } = openDatabase(options, role);
  const database = new SqliteDatabase(db, location);
  try {
    const meta = new StoreMeta(db);
    const now = options.now ?? Date.now;
    const bounds = options.remembered ?? DEFAULT_REMEMBERED;
    const remembered = new RememberedIds(database, 'seen_key', bounds, now, 'seen_run');
    const activeKeys = new SqliteActiveKeys(database, remembered, {
      attachedSaeIds: options.attachedSaeIds,
      capacity: options.maxActiveKeys,
      onDropped: options.onDropped,
    });
    return {
      database,
      meta,
      storeId: meta.required('store_id'),
      activeKeys,
      values: new SqliteStoreValues(database),
      remembered,
      now,
    };
  } catch (error) {
    database.close();
    throw error;
  }
}

/** Refuses options no store can work with; the apps validate their settings before. */
function validate(options: KeyStoreOptions): void {
  const positive = (name: string, value: number | undefined) => {
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
      throw new RangeError(`key store option ${name} must be a positive integer, got ${value}`);
    }
  };
  positive('maxActiveKeys', options.maxActiveKeys);
  positive('remembered.count', options.remembered?.count);
  positive('remembered.ageMs', options.remembered?.ageMs);
  positive('maxBytes', options.maxBytes);
}

/** A committed write of one small value: what a readiness check needs to know. */
export function probeWritable(parts: StoreParts): boolean {
  try {
    parts.database.write(() => parts.meta.set('probed_at', new Date(parts.now()).toISOString()));
    return true;
  } catch {
    return false;
  }
}
