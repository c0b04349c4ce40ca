import type { AppliedMessages } from '@app/key-pool';
import type { RememberedIds } from './remembered-ids.sqlite';
import type { SqliteDatabase } from './sqlite-database';

const APPLIED = 0;

/** IDs of applied link messages, bounded like the remembered key IDs (count and age). */
export class SqliteAppliedMessages implements AppliedMessages {
  constructor(
    private readonly store: SqliteDatabase,
    private readonly ids: RememberedIds,
  ) {}

  has(id: string): boolean {
    return this.store.read(() => this.ids.kindOf(id) !== undefined);
  }

  add(id: string): void {
    this.store.write(() => {
      if (this.ids.kindOf(id) === undefined) this.ids.add([id], APPLIED);
    });
  }
}
