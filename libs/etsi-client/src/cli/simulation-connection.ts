import type { RawResponse } from '../kme-transport';
import { SimulationClient } from '../simulation-client';
import type { CliIo } from './cli-io';
import { clientOptionsOf, type ConnectionFlags } from './connection-options';

/** How the link and fault commands connect: the simulation API, as the operator by default. */
export function simulationClient(flags: ConnectionFlags, io: CliIo) {
  return (onResponse: (response: RawResponse) => void): SimulationClient =>
    new SimulationClient(clientOptionsOf(flags.kme, flags, io, onResponse));
}
