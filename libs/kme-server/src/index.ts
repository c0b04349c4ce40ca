export { bootstrapKme, runKme, type KmeModuleFactory } from './bootstrap-kme';
export { readTlsMaterial, type TlsMaterial } from './tls';
export { activeKeyStoreOf, brokerOptionsOf, etsiApiOptionsOf } from './module-options';
