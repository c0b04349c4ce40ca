export * from './internal-api.contract';
export { InternalClientModule } from './internal-client.module';
export { InternalClient, PeerRefusedError, PeerUnreachableError } from './internal-client.service';
export type { InternalClientOptions } from './internal-client.options';
