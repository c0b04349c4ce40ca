export { KeyStoreOpenError } from './errors';
export type { Durability, KeyStoreOptions } from './key-store-options';
export { SqliteMasterKeyStore, openMasterKeyStore } from './master-key-store';
export { SqliteSlaveKeyStore, openSlaveKeyStore } from './slave-key-store';
export { GroupCommit } from './group-commit';
