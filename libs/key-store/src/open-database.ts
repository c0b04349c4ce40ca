import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { KeyStoreOpenError, isSqliteError } from './errors';
import { IN_MEMORY, type KeyStoreOptions } from './key-store-options';
import {
  MIGRATIONS,
  SCHEMA_VERSION,
  fileNameOf,
  otherRole,
  schemaOf,
  type StoreRole,
} from './schema';

/** A database open, checked, locked and of the right role, with its schema in place. */
export interface OpenedDatabase {
  readonly db: Database.Database;
  /** The file, or ':memory:'. */
  readonly location: string;
}

/**
 * Pages kept in memory per connection. Key IDs are time-ordered, so the pages being written are
 * the last few of each index and the material's; lookups of older keys read through the OS's
 * page cache. 16 MiB cost 15 MB of each KME's resident memory and no measurable speed.
 */
const CACHE_KIB = 4 * 1024;

/**
 * Opens the store of `role` in `options.dataDir`, creating it if missing. Every reason it cannot
 * be used is a KeyStoreOpenError naming the path and what to do: a store that is in use, damaged
 * or foreign is refused, never replaced, because replacing it would lose keys SAEs were promised.
 */
export function openDatabase(options: KeyStoreOptions, role: StoreRole): OpenedDatabase {
  const location = options.dataDir === IN_MEMORY ? IN_MEMORY : prepareFile(options.dataDir, role);
  let db: Database.Database;
  try {
    db = new Database(location, { timeout: 0, fileMustExist: location !== IN_MEMORY });
  } catch (error) {
    throw refusal(error, location);
  }
  try {
    configure(db, location, options);
    checkIntegrity(db, location);
    ensureSchema(db, location, role);
    // A write takes the exclusive lock now, not at the first request: a second KME process on
    // this file fails at its start, not in the middle of serving.
    db.prepare("INSERT OR REPLACE INTO store_meta (name, value) VALUES ('opened_at', ?)").run(
      new Date().toISOString(),
    );
    limitSize(db, options.maxBytes);
    return { db, location };
  } catch (error) {
    db.close();
    throw error instanceof KeyStoreOpenError ? error : refusal(error, location);
  }
}

/** The data directory made usable and the store file created 0600 if missing; its path. */
function prepareFile(dataDir: string, role: StoreRole): string {
  const dir = path.resolve(dataDir);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!fs.statSync(dir).isDirectory()) throw new Error('not a directory');
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (error) {
    throw new KeyStoreOpenError(
      `the data directory ${dir} cannot be used (${reasonOf(error)}): point DATA_DIR at a writable directory`,
      dir,
      { cause: error },
    );
  }
  const foreign = path.join(dir, fileNameOf(otherRole(role)));
  if (fs.existsSync(foreign)) {
    throw new KeyStoreOpenError(
      `the data directory ${dir} holds a ${otherRole(role)} KME's key store (${fileNameOf(otherRole(role))}): ` +
        `a ${role} KME needs a DATA_DIR of its own`,
      foreign,
    );
  }
  const file = path.join(dir, fileNameOf(role));
  try {
    // Created by us with 0600 so that SQLite, which gives its -wal file the database file's
    // mode, never makes key material readable by others; an older, looser file is tightened.
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) throw new Error('not a regular file');
      if ((stat.mode & 0o077) !== 0) fs.fchmodSync(fd, 0o600);
    } finally {
      fs.closeSync(fd);
    }
    for (const suffix of ['-wal', '-shm', '-journal']) {
      if (fs.existsSync(file + suffix)) fs.chmodSync(file + suffix, 0o600);
    }
  } catch (error) {
    throw new KeyStoreOpenError(
      `the key store ${file} cannot be opened (${reasonOf(error)}): check DATA_DIR and the file's permissions`,
      file,
      { cause: error },
    );
  }
  return file;
}

function configure(db: Database.Database, location: string, options: KeyStoreOptions): void {
  if (location !== IN_MEMORY) {
    // Exclusive before WAL: the WAL index then lives in this process's memory (no -shm file)
    // and no other process can open the file while this one has it.
    db.pragma('locking_mode = EXCLUSIVE');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') {
      throw new KeyStoreOpenError(
        `the key store ${location} cannot use write-ahead logging (journal mode ${String(mode)}): put DATA_DIR on a local file system`,
        location,
      );
    }
    db.pragma(`synchronous = ${options.durability === 'power' ? 'FULL' : 'NORMAL'}`);
  }
  db.pragma(`cache_size = -${CACHE_KIB}`);
  db.pragma('temp_store = MEMORY');
  db.pragma('foreign_keys = OFF');
  // Deleted rows (delivered keys, used material) are overwritten with zeros in the file; it
  // costs nothing measurable here (see bench/store-bench.ts).
  db.pragma('secure_delete = ON');
}

function checkIntegrity(db: Database.Database, location: string): void {
  const problems = db.pragma('quick_check(5)', { simple: false }) as { quick_check: string }[];
  const first = problems[0]?.quick_check;
  if (first !== 'ok') {
    throw damaged(location, problems.map((row) => row.quick_check).join('; '));
  }
}

function ensureSchema(db: Database.Database, location: string, role: StoreRole): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new KeyStoreOpenError(
      `the key store ${location} has schema version ${version}, newer than this KME's ${SCHEMA_VERSION}: run a KME version that knows it`,
      location,
    );
  }
  if (version === 0) {
    const tables = db.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: number };
    if (tables.n > 0) {
      throw new KeyStoreOpenError(
        `${location} is a SQLite database but not a KME key store: move it away or point DATA_DIR elsewhere`,
        location,
      );
    }
    db.transaction(() => {
      db.exec(schemaOf(role));
      const meta = db.prepare('INSERT INTO store_meta (name, value) VALUES (?, ?)');
      meta.run('role', role);
      meta.run('store_id', randomUUID());
      if (role === 'master') meta.run('epoch', randomUUID());
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
    return;
  }
  const stored = db.prepare("SELECT value FROM store_meta WHERE name = 'role'").get() as
    { value: string } | undefined;
  if (stored?.value !== role) {
    throw new KeyStoreOpenError(
      `the key store ${location} belongs to a ${stored?.value ?? 'unknown'} KME, not a ${role} KME: give each KME its own DATA_DIR`,
      location,
    );
  }
  if (version < SCHEMA_VERSION) migrate(db, version);
}

/** Brings a store of an older version to this one, in one transaction: all steps or none. */
function migrate(db: Database.Database, from: number): void {
  db.transaction(() => {
    for (let version = from + 1; version <= SCHEMA_VERSION; version++) db.exec(MIGRATIONS[version]);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

function limitSize(db: Database.Database, maxBytes: number | undefined): void {
  if (maxBytes === undefined) return;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.pragma(`max_page_count = ${Math.max(1, Math.floor(maxBytes / pageSize))}`);
}

function damaged(location: string, detail: string, cause?: unknown): KeyStoreOpenError {
  return new KeyStoreOpenError(
    `the key store ${location} is damaged (${detail}). It is not recreated: restore it from a backup, ` +
      'or move it away to start with an empty store (the keys it held are then lost)',
    location,
    { cause },
  );
}

/** The KeyStoreOpenError for a failure of SQLite (or of the file system) while opening. */
function refusal(error: unknown, location: string): KeyStoreOpenError {
  const code = isSqliteError(error) ? error.code : '';
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new KeyStoreOpenError(
      `the key store ${location} is in use by another KME process: stop it, or give this KME its own DATA_DIR`,
      location,
      { cause: error },
    );
  }
  if (code === 'SQLITE_NOTADB') {
    return new KeyStoreOpenError(
      `${location} is not a SQLite database, so not a KME key store. It is left as it is: move it away or point DATA_DIR elsewhere`,
      location,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_CORRUPT')) {
    return damaged(location, reasonOf(error), error);
  }
  return new KeyStoreOpenError(
    `the key store ${location} cannot be opened (${reasonOf(error)}): check that DATA_DIR is a writable directory on a working disk`,
    location,
    { cause: error },
  );
}

function reasonOf(error: unknown): string {
  if (isSqliteError(error)) return `${error.message}, ${error.code}`;
  // Not instanceof Error: file system errors may come from another realm (jest).
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const { message, code } = error as { message: unknown; code?: unknown };
    const text = String(message);
    return typeof code === 'string' && !text.startsWith(code) ? `${code}: ${text}` : text;
  }
  return String(error);
}
