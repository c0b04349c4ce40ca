import { Option, type Command } from 'commander';
import type { LinkPatch } from '../simulation.types';
import { nonNegativeNumber } from './arguments';
import { addConnectionOptions, OPERATOR_ID, type ConnectionFlags } from './connection-options';
import type { Invocation } from './invocation';
import { renderFields } from './render';
import { simulationClient } from './simulation-connection';

interface LinkSetFlags extends ConnectionFlags {
  eavesdropper?: 'on' | 'off';
  channel?: 'up' | 'down';
  distance?: number;
  preset?: string;
  rate?: number;
}

/** `kme link` and `kme link set`: the simulated QKD link of the master KME. */
export function addLinkCommands(program: Command, invocation: Invocation): void {
  const { io } = invocation;
  const link = program
    .command('link')
    .summary('Show or change the simulated QKD link (operator)')
    .description(
      'The simulated QKD link of the master KME: quantum channel, eavesdropper, QBER, secret-key ' +
        'rate, distance. Served by the simulation API (/api/sim/v1) to the operator certificate.',
    );

  addConnectionOptions(
    link
      .command('show', { isDefault: true })
      .description('Show the link as the key source sees it now'),
    io,
    OPERATOR_ID,
  ).action(async (flags: ConnectionFlags) => {
    await invocation.request(
      flags.json,
      simulationClient(flags, io),
      (sim) => sim.link(),
      (state) => renderFields({ ...state }),
    );
  });

  const set = link
    .command('set')
    .description('Change the link; what is not given stays as it is. Shows the link afterwards.')
    .addOption(
      new Option('--eavesdropper <state>', 'an eavesdropper on the quantum channel').choices([
        'on',
        'off',
      ]),
    )
    .addOption(new Option('--channel <state>', 'the quantum channel').choices(['up', 'down']))
    .option('--distance <KM>', 'fibre length in km', nonNegativeNumber)
    .option('--preset <NAME>', 'a named link profile of the KME')
    .option('--rate <BPS>', 'secret-key rate in bits/s', nonNegativeNumber);
  addConnectionOptions(set, io, OPERATOR_ID).action(async (flags: LinkSetFlags) => {
    const patch = linkPatchOf(flags);
    if (Object.keys(patch).length === 0) {
      set.error(
        'kme: nothing to set: give --eavesdropper, --channel, --distance, --preset or --rate',
        { exitCode: 2, code: 'kme.nothingToSet' },
      );
    }
    await invocation.request(
      flags.json,
      simulationClient(flags, io),
      (sim) => sim.setLink(patch),
      (state) => renderFields({ ...state }),
    );
  });
}

function linkPatchOf(flags: LinkSetFlags): LinkPatch {
  const patch: LinkPatch = {};
  if (flags.eavesdropper !== undefined) patch.eavesdropper = flags.eavesdropper === 'on';
  if (flags.channel !== undefined) patch.quantum_channel = flags.channel;
  if (flags.distance !== undefined) patch.distance_km = flags.distance;
  if (flags.preset !== undefined) patch.preset = flags.preset;
  if (flags.rate !== undefined) patch.key_rate_bps = flags.rate;
  return patch;
}
