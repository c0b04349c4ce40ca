import type { Command } from 'commander';
import { positiveInteger } from './arguments';
import { addConnectionOptions, OPERATOR_ID, type ConnectionFlags } from './connection-options';
import type { Invocation } from './invocation';
import { renderFields, renderTable } from './render';
import { simulationClient } from './simulation-connection';

interface RefuseFlags extends ConnectionFlags {
  kmeId?: string;
}

interface DelayFlags extends ConnectionFlags {
  duration: number;
}

/** `kme fault …`: misbehaviour on purpose, through the master KME's simulation API. */
export function addFaultCommands(program: Command, invocation: Invocation): void {
  const { io } = invocation;
  const fault = program
    .command('fault')
    .summary('Drain the pool, refuse requests, delay the relay (operator)')
    .description(
      'Faults injected on purpose through the simulation API of the master KME (/api/sim/v1), ' +
        'with the operator certificate.',
    );
  const command = (name: string, description: string): Command =>
    addConnectionOptions(fault.command(name).description(description), io, OPERATOR_ID);

  command('drain', 'Drop the key material both KMEs hold, as if the link had lost it').action(
    async (flags: ConnectionFlags) => {
      await invocation.request(
        flags.json,
        simulationClient(flags, io),
        (sim) => sim.drain(),
        (result) => (Object.keys(result).length === 0 ? 'pool drained\n' : renderFields(result)),
      );
    },
  );

  command('refuse', 'Make the KMEs refuse the next <count> ETSI requests')
    .argument('<count>', 'how many requests to refuse', positiveInteger)
    .option('--kme-id <ID>', 'refuse only at this KME (default: both)')
    .action(async (count: number, flags: RefuseFlags) => {
      await invocation.request(
        flags.json,
        simulationClient(flags, io),
        (sim) =>
          sim.addFault({
            kind: 'refuse_requests',
            count,
            ...(flags.kmeId === undefined ? {} : { kme_id: flags.kmeId }),
          }),
        (added) => renderFields(added),
      );
    });

  command('delay', 'Delay the relay of key material to the slave KME')
    .argument('<ms>', 'delay added to each relayed message, in ms', positiveInteger)
    .requiredOption('--duration <s>', 'for how long, in seconds', positiveInteger)
    .action(async (ms: number, flags: DelayFlags) => {
      await invocation.request(
        flags.json,
        simulationClient(flags, io),
        (sim) => sim.addFault({ kind: 'relay_delay', ms, duration_s: flags.duration }),
        (added) => renderFields(added),
      );
    });

  command('list', 'List the faults in force').action(async (flags: ConnectionFlags) => {
    await invocation.request(
      flags.json,
      simulationClient(flags, io),
      (sim) => sim.faults(),
      (faults) => renderTable(faults, '(no faults)'),
    );
  });

  command('clear', 'Remove every fault').action(async (flags: ConnectionFlags) => {
    await invocation.request(
      flags.json,
      simulationClient(flags, io),
      (sim) => sim.clearFaults(),
      () => 'faults cleared\n',
    );
  });
}
