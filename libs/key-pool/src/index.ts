export * from './errors';
export * from './material';
export { AllocatingPool, type Allocation } from './allocating-pool';
export { ReplicaPool } from './replica-pool';
export {
  ActiveKeyStore,
  deliveredKeysOf,
  type DeliveredKey,
  type KeyBatch,
} from './active-key-store';
