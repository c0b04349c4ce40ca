// The KMEs as Nest modules, the bootstrap that starts them, and the extension points.
export { MasterKmeModule } from './master/master-kme.module';
export { SlaveKmeModule } from './slave/slave-kme.module';
export type { KmeModuleExtensions, KmeModuleOptions } from './kme-module.options';
export {
  bootstrapKme,
  runKme,
  type BootstrapOptions,
  type RunningKme,
} from './bootstrap/bootstrap-kme';
export { KME_DOCS, type KmeDocs } from './bootstrap/kme-docs';
export { KeySource } from './master/source/key-source';
export { SimulatedKeySource } from './master/source/simulated-key-source';
export { FileKeySource } from './master/source/file-key-source';
export { buildMasterOpenApiDocument } from './master/openapi-document';
// Extension points defined by the libraries the KMEs are made of.
export {
  CommonNameSaeIdentity,
  SaeIdentity,
  SanUriSaeIdentity,
  SerialSaeIdentity,
} from '@app/etsi-api';
export { DeliveryObserver, type DeliveryEvent } from '@app/observability';
export { KeyStore, MasterKeyStore, SlaveKeyStore } from '@app/key-pool';
export { KME_SETTINGS, type KmeSettings } from '@app/config';
