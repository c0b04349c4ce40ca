export * from './errors';
export * from './material';
export { AllocatingPool, type Allocation } from './allocating-pool';
export { ReplicaPool } from './replica-pool';
export {
  ActiveKeyStore,
  type ActiveKey,
  type DeliveredKey,
  type KeyBatch,
} from './active-key-store';
