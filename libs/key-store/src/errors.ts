import { KeyStoreUnavailableError } from '@app/key-pool';
import type Database from 'better-sqlite3';

type SqliteError = InstanceType<typeof Database.SqliteError>;

/**
 * A key store that cannot be opened: in use, damaged, of the wrong role, not a database, or in a
 * directory this process cannot use. The message names the path and what to do; the KME refuses
 * to start rather than begin again with an empty store, which would lose every key it held.
 */
export class KeyStoreOpenError extends Error {
  constructor(
    message: string,
    /** The file or directory at fault. */
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Whether `error` is better-sqlite3's SqliteError. Recognised by its shape, not instanceof: the
 * native addon keeps the error class of the first copy of the module loaded in the process, and
 * under a module registry and realm per test file (jest) neither that class nor its Error are
 * this file's.
 */
export function isSqliteError(error: unknown): error is SqliteError {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'SqliteError' && typeof code === 'string' && code.startsWith('SQLITE_');
}

/**
 * What a failed statement means to a caller. The store itself failing (full disk, I/O error,
 * read-only file, damaged page...) becomes KeyStoreUnavailableError, which the ETSI layer answers
 * with 503; a constraint violation is a fault of this code and stays as it is, as does every
 * error that is not SQLite's (domain errors above all).
 */
export function storeFailure(error: unknown): unknown {
  if (!isSqliteError(error) || error.code.startsWith('SQLITE_CONSTRAINT')) return error;
  return new KeyStoreUnavailableError(`${error.message} (${error.code})`);
}
