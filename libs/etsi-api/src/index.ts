export { EtsiApiModule, type EtsiApiModuleOptions } from './etsi-api.module';
export type { EtsiApiOptions } from './etsi-api.options';
export {
  KeyDelivery,
  KeyServiceUnavailableError,
  type KeyAllocationRequest,
  type KeyRetrievalRequest,
} from './key-delivery.port';
export { InvalidRequestError, UnauthenticatedError } from './request-errors';
export { EtsiValidationPipe } from './etsi-validation.pipe';
export { peerIdentity, type PeerIdentity } from './auth/client-certificate';
export { MUTUAL_TLS_SCHEME } from './etsi-keys.controller';
export { ErrorDto } from './dto/error.dto';
export { buildOpenApiDocument, setupSwagger, DOCS_PATH, type ApiDocumentOptions } from './swagger';
