export { TLS_MATERIAL, readTlsMaterial, type TlsMaterial } from './tls';
export { peerIdentityOf, type PeerIdentity, type VerifiedCertificate } from './peer-identity';
export { UnauthenticatedError } from './unauthenticated.error';
export {
  BODY_LIMIT_BYTES,
  KmeExpressAdapter,
  applyKmePlatform,
  createExpressInstance,
  createKmeHttpAdapter,
  kmeApplicationOptions,
  kmeHttpsOptions,
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
