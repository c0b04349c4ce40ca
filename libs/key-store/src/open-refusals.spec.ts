// Every reason a store cannot be opened is a KeyStoreOpenError naming the path and what to do;
// nothing that is refused is ever overwritten or recreated.
import { randomBytes } from 'node:crypto';
import { copyFileSync, openSync, readFileSync, writeFileSync, closeSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { exited, lineStartingWith, runHelper } from '../test/child-process';
import { append, baseOptions, removeTempDirs, tempDir } from '../test/store-harness';
import { KeyStoreOpenError, openMasterKeyStore, openSlaveKeyStore } from '.';

afterAll(removeTempDirs);

/** The KeyStoreOpenError that opening throws; fails the test when it opens. */
function refusalOf(open: () => { close(): void }): KeyStoreOpenError {
  let store: { close(): void } | undefined;
  try {
    store = open();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyStoreOpenError);
    return error as KeyStoreOpenError;
  }
  store.close();
  throw new Error('expected the store to be refused');
}

/** A data directory holding a master store with some content, closed. */
function closedMasterStore(): { dir: string; file: string } {
  const dir = tempDir();
  const store = openMasterKeyStore(baseOptions(dir));
  for (let i = 0; i < 20; i++) append(store.material, randomBytes(8000));
  store.activeKeys.activate({ keyIds: ['k'], material: randomBytes(32), keyBytes: 32 }, 'a', []);
  store.close();
  return { dir, file: path.join(dir, 'master-kme.sqlite') };
}

describe('opening a key store', () => {
  it('refuses a store held by another KME process, at once, and opens it once that process is gone', async () => {
    const dir = tempDir();
    const holder = runHelper('hold-store.ts', ['master', dir]);
    try {
      const ready = await lineStartingWith(holder, 'ready ');
      const error = refusalOf(() => openMasterKeyStore(baseOptions(dir)));
      expect(error.message).toContain(path.join(dir, 'master-kme.sqlite'));
      expect(error.message).toContain('is in use by another KME process');
      expect(error.path).toBe(path.join(dir, 'master-kme.sqlite'));

      holder.stdin.end();
      expect(await exited(holder)).toEqual({ code: 0, signal: null });
      const store = openMasterKeyStore(baseOptions(dir));
      expect(`ready ${store.storeId}`).toBe(ready);
      store.close();
    } finally {
      holder.kill('SIGKILL');
    }
  }, 30_000);

  it('refuses a second opener in the same process too', () => {
    const dir = tempDir();
    const first = openMasterKeyStore(baseOptions(dir));
    try {
      expect(refusalOf(() => openMasterKeyStore(baseOptions(dir))).message).toContain(
        'is in use by another KME process',
      );
    } finally {
      first.close();
    }
  });

  it('refuses a damaged database and leaves it as it is', () => {
    const { file } = closedMasterStore();
    const dir = tempDir();
    const copy = path.join(dir, 'master-kme.sqlite');
    copyFileSync(file, copy);
    // Page 3 is a b-tree page of the schema; garbage there is what a torn or bit-rotten write
    // leaves behind.
    const fd = openSync(copy, 'r+');
    writeSync(fd, randomBytes(4096), 0, 4096, 2 * 4096);
    closeSync(fd);
    const damaged = readFileSync(copy);

    const error = refusalOf(() => openMasterKeyStore(baseOptions(dir)));
    expect(error.message).toContain(`the key store ${copy} is damaged`);
    expect(error.message).toContain('It is not recreated');
    expect(readFileSync(copy).equals(damaged)).toBe(true);
  });

  it('refuses a file that is not a database and leaves it as it is', () => {
    const dir = tempDir();
    const file = path.join(dir, 'slave-kme.sqlite');
    const text = 'these are somebody else’s notes\n'.repeat(500);
    writeFileSync(file, text);
    const error = refusalOf(() => openSlaveKeyStore(baseOptions(dir)));
    expect(error.message).toContain(`${file} is not a SQLite database`);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('refuses a SQLite database that is not a key store', () => {
    const dir = tempDir();
    const file = path.join(dir, 'master-kme.sqlite');
    const other = new Database(file);
    other.exec('CREATE TABLE notes (text TEXT)');
    other.close();
    expect(refusalOf(() => openMasterKeyStore(baseOptions(dir))).message).toContain(
      'not a KME key store',
    );
  });

  it("refuses a data directory holding the other role's store", () => {
    const { dir } = closedMasterStore();
    const error = refusalOf(() => openSlaveKeyStore(baseOptions(dir)));
    expect(error.message).toContain(`the data directory ${dir} holds a master KME's key store`);
    expect(error.message).toContain('a slave KME needs a DATA_DIR of its own');
  });

  it("refuses the other role's store under this role's file name", () => {
    const { file } = closedMasterStore();
    const dir = tempDir();
    copyFileSync(file, path.join(dir, 'slave-kme.sqlite'));
    expect(refusalOf(() => openSlaveKeyStore(baseOptions(dir))).message).toContain(
      'belongs to a master KME, not a slave KME',
    );
  });

  it('refuses a store of a newer schema version', () => {
    const { dir, file } = closedMasterStore();
    const raw = new Database(file);
    raw.pragma('user_version = 99');
    raw.close();
    expect(refusalOf(() => openMasterKeyStore(baseOptions(dir))).message).toContain(
      'has schema version 99, newer than',
    );
  });

  // The tests run as root, where a directory of mode 0500 is still writable: a data directory
  // that is a regular file (or lies below one) is what makes it unusable here.
  it('refuses a data directory that is a regular file, naming it', () => {
    const file = path.join(tempDir(), 'not-a-directory');
    writeFileSync(file, 'x');
    const error = refusalOf(() => openMasterKeyStore(baseOptions(file)));
    expect(error.message).toContain(`the data directory ${file} cannot be used`);
    expect(error.message).toContain('point DATA_DIR at a writable directory');
    expect(error.path).toBe(file);
    expect(readFileSync(file, 'utf8')).toBe('x');

    const below = path.join(file, 'data');
    expect(refusalOf(() => openMasterKeyStore(baseOptions(below))).message).toContain(
      `the data directory ${below} cannot be used`,
    );
  });
  // A directory the KME's user may not write fails the same way; the tests run as root, which
  // chmod does not stop, so the regular-file cases above stand for it.
});
