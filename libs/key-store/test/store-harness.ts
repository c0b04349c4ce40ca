// Helpers for the key store's tests; not part of the library.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { MasterMaterial, MaterialBlock } from '@app/key-pool';
import {
  openMasterKeyStore,
  openSlaveKeyStore,
  type KeyStoreOptions,
  type SqliteMasterKeyStore,
  type SqliteSlaveKeyStore,
} from '../src';

/** Where a contract test keeps its store: SQLite's in-memory database, or a file. */
export interface StoreTarget {
  readonly name: string;
  readonly file: boolean;
}

export const TARGETS: readonly StoreTarget[] = [
  { name: ':memory:', file: false },
  { name: 'file', file: true },
];

/** A fresh temporary directory, removed by `removeTempDirs`. */
const tempDirs: string[] = [];
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'key-store-'));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export const baseOptions = (dataDir: string): KeyStoreOptions => ({
  dataDir,
  durability: 'process',
  attachedSaeIds: [],
  maxActiveKeys: 1_000_000,
});

/**
 * Opens stores for a suite and closes them (and removes their directories) after each test and
 * at the end, so that a failing test leaves no lock and no file behind.
 */
export function storeHarness(target: StoreTarget) {
  const open: { close(): void }[] = [];
  afterEach(() => {
    for (const store of open.splice(0)) store.close();
  });
  afterAll(removeTempDirs);
  const optionsOf = (extra: Partial<KeyStoreOptions>): KeyStoreOptions => ({
    ...baseOptions(target.file ? tempDir() : ':memory:'),
    ...extra,
  });
  return {
    master(extra: Partial<KeyStoreOptions> = {}): SqliteMasterKeyStore {
      const store = openMasterKeyStore(optionsOf(extra));
      open.push(store);
      return store;
    },
    slave(extra: Partial<KeyStoreOptions> = {}): SqliteSlaveKeyStore {
      const store = openSlaveKeyStore(optionsOf(extra));
      open.push(store);
      return store;
    },
  };
}

/** Reserves and commits at once (what AllocatingPool.append did), for material that ships at once. */
export function append(material: MasterMaterial, bytes: Buffer): MaterialBlock {
  const block = material.reserve(bytes);
  if (!material.commit(block)) throw new Error('the block was voided');
  return block;
}
