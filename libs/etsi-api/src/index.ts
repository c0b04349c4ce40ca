export { EtsiApiModule, type EtsiApiModuleOptions } from './etsi-api.module';
export type { EtsiApiOptions } from './etsi-api.options';
export {
  KeyDelivery,
  KeyServiceUnavailableError,
  type KeyAllocationRequest,
  type KeyRetrievalRequest,
} from './key-delivery.port';
export { KeyRequestGate } from './key-request-gate.port';
export { InvalidRequestError, type ErrorDetail } from './request-errors';
export { EtsiValidationPipe } from './validation/etsi-validation.pipe';
export { readJsonBody } from './validation/json-body';
export { TolerantReader } from './validation/tolerant-reader';
export { ETSI_API_TAG } from './etsi-keys.controller';
export {
  KeyRequestPolicy,
  type CheckedKeyRequest,
  type KeyRequestInput,
} from './key-request-policy';
export { ErrorDto } from './dto/error.dto';
export { StatusDto } from './dto/status.dto';
export { KeyContainerDto, KeyDto } from './dto/key-container.dto';
export { KeyRequestDto } from './dto/key-request.dto';
export { KeyIdsDto, KeyIdDto } from './dto/key-ids.dto';
export { personalizeEtsiDocument } from './etsi-docs';
export {
  BUILT_IN_SAE_IDENTITIES,
  CommonNameSaeIdentity,
  SaeIdentity,
  SanUriSaeIdentity,
  SerialSaeIdentity,
  type SaeIdSource,
} from './auth/sae-identity';
