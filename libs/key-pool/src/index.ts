export * from './errors';
export * from './material';
export { deliveredKeysOf, type DeliveredKey, type KeyBatch } from './keys';
export { AllocatingPool } from './allocating-pool';
export { ReplicaPool } from './replica-pool';
export { ActiveKeyStore } from './active-key-store';
export * from './store/key-store.ports';
