export { EtsiClient, ETSI_KEYS_PATH, type MethodChoice } from './etsi-client';
export { SimulationClient, SIMULATION_PATH } from './simulation-client';
export { DashboardClient, DASHBOARD_DATA_PATH } from './dashboard-client';
export {
  KmeTransport,
  DEFAULT_CONNECTIONS,
  DEFAULT_TIMEOUT_MS,
  type HttpMethod,
  type KmeClientOptions,
  type RawRequest,
  type RawResponse,
  type TransportRequest,
} from './kme-transport';
export type {
  AnonymousCredentials,
  FileOrContents,
  PemCredentials,
  Pkcs12Credentials,
  TlsCredentials,
} from './tls-credentials';
export {
  EtsiBadRequestError,
  EtsiHttpError,
  EtsiNetworkError,
  EtsiProtocolError,
  EtsiTimeoutError,
  EtsiTlsConfigError,
  EtsiUnauthorizedError,
  EtsiUnavailableError,
  type HttpErrorAnswer,
} from './errors';
export type {
  DashboardData,
  DashboardEvent,
  DashboardKme,
  DashboardKmeData,
  DashboardLink,
  DashboardLinkStatus,
  DashboardPeer,
} from './dashboard.types';
export type {
  ActiveFault,
  DrainResult,
  FaultSpec,
  LinkPatch,
  LinkState,
  QuantumChannelState,
  RefuseRequestsFault,
  RelayDelayFault,
} from './simulation.types';
export type { ErrorDto } from '@app/etsi-api';
export type { KeyContainerDto, KeyDto } from '@app/etsi-api/dto/key-container.dto';
export type { KeyRequestDto } from '@app/etsi-api/dto/key-request.dto';
export type { StatusDto } from '@app/etsi-api/dto/status.dto';
