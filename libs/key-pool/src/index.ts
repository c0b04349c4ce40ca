export * from './errors';
export * from './material';
export { UUID_PATTERN, deliveredKeysOf, type DeliveredKey, type KeyBatch } from './keys';
export * from './store/key-store.ports';
