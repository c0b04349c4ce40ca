import type { Command } from 'commander';
import type { KeyContainerDto } from '@app/etsi-api/dto/key-container.dto';
import type { KeyRequestDto } from '@app/etsi-api/dto/key-request.dto';
import { EtsiClient } from '../etsi-client';
import type { RawResponse } from '../kme-transport';
import { integer } from './arguments';
import {
  addConnectionOptions,
  clientOptionsOf,
  DEFAULT_SAE_ID,
  type ConnectionFlags,
} from './connection-options';
import type { Invocation } from './invocation';
import { renderFields, renderTable } from './render';

interface EncFlags extends ConnectionFlags {
  number?: number;
  size?: number;
  post?: boolean;
  additional?: string[];
}

interface DecFlags extends ConnectionFlags {
  post?: boolean;
}

/** The three ETSI GS QKD 014 methods, as the SAE named by --sae. */
export function addKeysCommands(program: Command, invocation: Invocation): void {
  const { io } = invocation;
  const client = (flags: ConnectionFlags) => (onResponse: (response: RawResponse) => void) =>
    new EtsiClient(clientOptionsOf(flags.kme, flags, io, onResponse));

  addConnectionOptions(
    program
      .command('status')
      .summary('Get status for keys shared with a slave SAE')
      .description(
        'Get status (ETSI 014 §5.2): key sizes, stored and maximum key counts, and the KME IDs ' +
          'for keys shared between this SAE (the master SAE) and <slave_SAE_ID>.',
      )
      .argument('<slave_SAE_ID>', 'the SAE that will fetch the keys at its KME'),
    io,
    DEFAULT_SAE_ID,
  ).action(async (slaveSaeId: string, flags: ConnectionFlags) => {
    await invocation.request(
      flags.json,
      client(flags),
      (etsi) => etsi.status(slaveSaeId),
      (status) => renderFields({ ...status }),
    );
  });

  addConnectionOptions(
    program
      .command('enc')
      .summary('Get key: new keys shared with a slave SAE')
      .description(
        'Get key (ETSI 014 §5.3): new keys for this SAE (the master SAE) shared with ' +
          '<slave_SAE_ID>, which fetches the same keys at its KME with `kme dec`. Sent as GET ' +
          'with number and size in the query, as POST with --post or --additional.',
      )
      .argument('<slave_SAE_ID>', 'the SAE that will fetch the keys at its KME')
      .option('--number <N>', 'number of keys (KME default: 1)', integer)
      .option('--size <BITS>', 'size of each key in bits (KME default: its key_size)', integer)
      .option('--additional <SAE...>', 'further slave SAEs sharing the keys (key multicast)')
      .option('--post', 'use the POST form even for number and size alone'),
    io,
    DEFAULT_SAE_ID,
  ).action(async (slaveSaeId: string, flags: EncFlags) => {
    const request: KeyRequestDto = {};
    if (flags.number !== undefined) request.number = flags.number;
    if (flags.size !== undefined) request.size = flags.size;
    if (flags.additional !== undefined) request.additional_slave_SAE_IDs = flags.additional;
    await invocation.request(
      flags.json,
      client(flags),
      (etsi) => etsi.encKeys(slaveSaeId, request, flags.post === true ? { method: 'POST' } : {}),
      renderKeys,
    );
  });

  addConnectionOptions(
    program
      .command('dec')
      .summary('Get key with key IDs: keys a master SAE obtained')
      .description(
        'Get key with key IDs (ETSI 014 §5.4): the keys that <master_SAE_ID> obtained with ' +
          '`kme enc` naming this SAE. Each key is delivered once. One ID is sent as GET ' +
          '?key_ID=, several (or --post) as a POST Key IDs body.',
      )
      .argument('<master_SAE_ID>', 'the SAE that obtained the keys')
      .argument('<key_ID...>', 'key IDs as the master SAE received them')
      .option('--post', 'use the POST form even for one key ID'),
    io,
    DEFAULT_SAE_ID,
  ).action(async (masterSaeId: string, keyIds: string[], flags: DecFlags) => {
    await invocation.request(
      flags.json,
      client(flags),
      (etsi) => etsi.decKeys(masterSaeId, keyIds, flags.post === true ? { method: 'POST' } : {}),
      renderKeys,
    );
  });
}

function renderKeys(container: KeyContainerDto): string {
  const { keys, ...rest } = container;
  const table = renderTable(
    keys.map((key) => ({ ...key })),
    '(no keys)',
  );
  return Object.keys(rest).length === 0 ? table : `${table}\n${renderFields(rest)}`;
}
