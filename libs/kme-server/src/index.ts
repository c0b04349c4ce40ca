export { bootstrapKme, runKme, type KmeDocs, type KmeModuleFactory } from './bootstrap-kme';
export { readTlsMaterial, type TlsMaterial } from './tls';
export {
  brokerOptionsOf,
  etsiApiOptionsOf,
  keyStoreOptionsOf,
  openKeyStoreOf,
} from './module-options';
export { KeyStoreLifecycle } from './key-store-lifecycle';
export { peerIdentityOf, type PeerIdentity, type VerifiedCertificate } from './peer-identity';
export { UnauthenticatedError } from './unauthenticated.error';
export {
  BODY_LIMIT_BYTES,
  KmeExpressAdapter,
  applyKmePlatform,
  createExpressInstance,
  createKmeHttpAdapter,
  kmeApplicationOptions,
} from './express-platform';
export { writeErrorResponse, type ErrorBody } from './http-errors';
export {
  DOCS_PATH,
  MUTUAL_TLS_SCHEME,
  buildOpenApiDocument,
  setupSwagger,
  type ApiDocumentOptions,
  type ApiTag,
} from './swagger';
