export { bootstrapKme, runKme, type KmeModuleFactory } from './bootstrap-kme';
export { readTlsMaterial, type TlsMaterial } from './tls';
export { brokerOptionsOf, etsiApiOptionsOf } from './module-options';
