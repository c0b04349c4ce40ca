export * from './internal-api.contract';
export { InternalClientModule, type InternalClientAsyncOptions } from './internal-client.module';
export { InternalClient, PeerUnreachableError } from './internal-client.service';
export { fromAllocationError, toAllocationError } from './allocation-errors';
export type { InternalClientOptions } from './internal-client.options';
export {
  ALLOCATION_REQUEST_SCHEMA,
  checkAllocationRequest,
  type SchemaProblems,
} from './allocation-schemas';
