import { KeyStoreUnavailableError } from '@app/key-pool';
import type Database from 'better-sqlite3';
import { storeFailure } from './errors';

/**
 * A part of the store that keeps small indexes and counters in memory beside its tables. When a
 * transaction that changed them rolls back, it reads them again from the database, which then
 * holds exactly what is true: no undo log to get wrong, and rollbacks are rare.
 */
export interface Reloadable {
  reload(): void;
}

/** What one level of (possibly nested) transaction did besides its SQL. */
interface Frame {
  readonly touched: Set<Reloadable>;
  readonly afterCommit: (() => void)[];
}

/**
 * One open database and the rules every part of the store follows with it: writes run in
 * `write` (a transaction, or a savepoint inside one), so each method is atomic on its own and
 * inside an enclosing `transaction`; SQLite failures become KeyStoreUnavailableError; in-memory
 * state changed by a rolled-back write is reloaded; hooks that tell the world about a change
 * (arrival listeners, waiters) run only once it is committed.
 */
export class SqliteDatabase {
  private readonly frames: Frame[] = [];
  private readonly inTransaction: (work: () => unknown) => unknown;
  private closed = false;
  /** Set when in-memory state could not be reloaded after a failure: nothing is trusted then. */
  private brokenBy: string | undefined;

  constructor(
    readonly db: Database.Database,
    /** The file, or ':memory:'; for messages. */
    readonly location: string,
  ) {
    this.inTransaction = db.transaction((work: () => unknown) => work());
  }

  /**
   * Runs `work` atomically. Nested calls become savepoints, so a method that fails inside an
   * enclosing transaction leaves that transaction as it was before the method.
   */
  write<T>(work: () => T): T {
    this.usable();
    if (this.frames.length > 0 && !this.db.inTransaction) {
      // SQLite rolled the whole transaction back itself (it may on SQLITE_FULL or IOERR): a
      // write now would be committed on its own, outside the transaction its caller meant.
      throw new KeyStoreUnavailableError('the enclosing transaction was rolled back by SQLite');
    }
    const frame: Frame = { touched: new Set(), afterCommit: [] };
    this.frames.push(frame);
    let result: T;
    try {
      result = this.inTransaction(work) as T;
    } catch (error) {
      this.frames.pop();
      this.reloadAfterRollback(frame);
      throw storeFailure(error);
    }
    this.frames.pop();
    const parent = this.frames.at(-1);
    if (parent !== undefined) {
      for (const part of frame.touched) parent.touched.add(part);
      parent.afterCommit.push(...frame.afterCommit);
    } else {
      runAll(frame.afterCommit);
    }
    return result;
  }

  /**
   * Runs work that makes at most one write statement, without a savepoint of its own: a single
   * statement is atomic by itself (inside a transaction, or committed on its own outside one).
   * In-memory changes follow the statement, so a failure leaves nothing to reload.
   */
  writeOne<T>(work: () => T): T {
    this.usable();
    if (this.frames.length > 0 && !this.db.inTransaction) {
      throw new KeyStoreUnavailableError('the enclosing transaction was rolled back by SQLite');
    }
    try {
      return work();
    } catch (error) {
      throw storeFailure(error);
    }
  }

  /** Runs a read, turning SQLite failures into KeyStoreUnavailableError. */
  read<T>(work: () => T): T {
    this.usable();
    try {
      return work();
    } catch (error) {
      throw storeFailure(error);
    }
  }

  /**
   * Says that `part` is about to change its in-memory state in the current write, so that a
   * rollback reloads it. Call it after the checks that may refuse the change, not before: a
   * refused request then costs no reload. Outside any transaction (after a `writeOne` that
   * committed on its own) there is nothing left to roll back.
   */
  touch(part: Reloadable): void {
    this.frames.at(-1)?.touched.add(part);
  }

  /** Runs `hook` once the outermost transaction commits; never when it rolls back. */
  afterCommit(hook: () => void): void {
    const frame = this.frames.at(-1);
    if (frame === undefined) hook();
    else frame.afterCommit.push(hook);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private usable(): void {
    if (this.closed) throw new KeyStoreUnavailableError('the key store is closed');
    if (this.brokenBy !== undefined) {
      throw new KeyStoreUnavailableError(
        `the key store must be reopened after a failure: ${this.brokenBy}`,
      );
    }
  }

  private reloadAfterRollback(failed: Frame): void {
    const parts = new Set(failed.touched);
    if (!this.db.inTransaction) {
      // The rollback reached the outermost transaction: what the enclosing levels changed in
      // memory is gone from the database too.
      for (const frame of this.frames) for (const part of frame.touched) parts.add(part);
      for (const frame of this.frames) frame.touched.clear();
    }
    try {
      for (const part of parts) part.reload();
    } catch (error) {
      this.brokenBy = error instanceof Error ? error.message : String(error);
    }
  }
}

/** Runs every hook even when one throws, then throws the first error. */
function runAll(hooks: readonly (() => void)[]): void {
  let first: { error: unknown } | undefined;
  for (const hook of hooks) {
    try {
      hook();
    } catch (error) {
      first ??= { error };
    }
  }
  if (first !== undefined) throw first.error;
}
