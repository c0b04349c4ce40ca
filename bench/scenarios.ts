import type { EtsiClient } from '@app/etsi-client';
import { UnexpectedAnswerError, type SaeClients } from './client';
import type { ScenarioId } from './options';

export type { Endpoints, SaeClients } from './client';

/** Bits per key in every scenario; the KMEs run with DEFAULT_KEY_SIZE of the same. */
export const KEY_BITS = 256;

export const MASTER_SAE = 'sae-1';
export const SLAVE_SAE = 'sae-2';

export interface Scenario {
  readonly id: ScenarioId;
  readonly title: string;
  /** Keys delivered to an SAE per operation (0 for status). */
  readonly keysPerOp: number;
  /** HTTP requests per operation. */
  readonly requestsPerOp: number;
  /** One operation; throws on any failure, the answer's content included. */
  run(clients: SaeClients): Promise<void>;
}

interface Key {
  readonly keyId: string;
  readonly key: string;
}

/** enc_keys in its GET form, `?number=…&size=…`, as the client sends number and size alone. */
const encKeys = (client: EtsiClient, slaveSae: string, number: number) =>
  client.encKeys(slaveSae, { number, size: KEY_BITS });

/** Base64 length of one key of KEY_BITS. */
const KEY_BASE64_LENGTH = Math.ceil(KEY_BITS / 8 / 3) * 4;

/** The keys of an ETSI Key container of exactly `count` keys of KEY_BITS; else throws. */
export function keysOf(body: unknown, count: number): Key[] {
  const keys = isRecord(body) ? body.keys : undefined;
  if (!Array.isArray(keys) || keys.length !== count) {
    throw new UnexpectedAnswerError(`expected a Key container of ${count} keys`);
  }
  return keys.map((entry: unknown) => {
    if (
      !isRecord(entry) ||
      typeof entry.key_ID !== 'string' ||
      typeof entry.key !== 'string' ||
      entry.key.length !== KEY_BASE64_LENGTH
    ) {
      throw new UnexpectedAnswerError(`expected keys of ${KEY_BITS} bits with a key_ID`);
    }
    return { keyId: entry.key_ID, key: entry.key };
  });
}

/** The stored_key_count of an ETSI Status body; else throws. */
export function storedKeyCountOf(body: unknown): number {
  const count = isRecord(body) ? body.stored_key_count : undefined;
  if (typeof count !== 'number') throw new UnexpectedAnswerError('expected a Status');
  return count;
}

/**
 * One round trip: `from` (an SAE's client) takes a key at its KME with enc_keys, then `to` asks
 * the other KME for it with dec_keys (its GET form, `?key_ID=`); throws unless both answer the
 * same key.
 */
async function roundTrip(
  from: { client: EtsiClient; sae: string },
  to: { client: EtsiClient; sae: string },
): Promise<void> {
  const [sent] = keysOf(await encKeys(from.client, to.sae, 1), 1);
  const [received] = keysOf(await to.client.decKeys(from.sae, [sent.keyId]), 1);
  if (received.keyId.toLowerCase() !== sent.keyId.toLowerCase()) {
    throw new UnexpectedAnswerError('dec_keys answered another key ID');
  }
  if (received.key !== sent.key) {
    throw new UnexpectedAnswerError('the key bytes differ between the two KMEs');
  }
}

/** enc_keys at the master KME (sae-1), dec_keys at the slave KME (sae-2). */
export function roundTripMasterToSlave({ sae1, sae2 }: SaeClients): Promise<void> {
  return roundTrip({ client: sae1, sae: MASTER_SAE }, { client: sae2, sae: SLAVE_SAE });
}

/** enc_keys at the slave KME (sae-2), dec_keys at the master KME (sae-1). */
export function roundTripSlaveToMaster({ sae1, sae2 }: SaeClients): Promise<void> {
  return roundTrip({ client: sae2, sae: SLAVE_SAE }, { client: sae1, sae: MASTER_SAE });
}

/** The soak's two directions, by name, each one round trip (two requests). */
export const SOAK_DIRECTIONS: readonly {
  readonly name: string;
  readonly run: (clients: SaeClients) => Promise<void>;
}[] = [
  { name: 'master→slave', run: roundTripMasterToSlave },
  { name: 'slave→master', run: roundTripSlaveToMaster },
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export const SCENARIOS: Readonly<Record<ScenarioId, Scenario>> = {
  reference: {
    id: 'reference',
    title: 'reference: bare node:https mTLS, 1 key',
    keysPerOp: 1,
    requestsPerOp: 1,
    async run({ reference }) {
      keysOf(await encKeys(reference, SLAVE_SAE, 1), 1);
    },
  },
  status: {
    id: 'status',
    title: 'status at the master KME',
    keysPerOp: 0,
    requestsPerOp: 1,
    async run({ sae1 }) {
      storedKeyCountOf(await sae1.status(SLAVE_SAE));
    },
  },
  'status-slave': {
    id: 'status-slave',
    title: 'status at the slave KME',
    keysPerOp: 0,
    requestsPerOp: 1,
    async run({ sae2 }) {
      storedKeyCountOf(await sae2.status(MASTER_SAE));
    },
  },
  'enc-master': {
    id: 'enc-master',
    title: 'enc_keys 1×256 at the master KME',
    keysPerOp: 1,
    requestsPerOp: 1,
    async run({ sae1 }) {
      keysOf(await encKeys(sae1, SLAVE_SAE, 1), 1);
    },
  },
  'enc-slave': {
    id: 'enc-slave',
    title: 'enc_keys 1×256 at the slave KME',
    keysPerOp: 1,
    requestsPerOp: 1,
    async run({ sae2 }) {
      keysOf(await encKeys(sae2, MASTER_SAE, 1), 1);
    },
  },
  'round-trip': {
    id: 'round-trip',
    title: 'enc_keys (master KME) → dec_keys (slave KME)',
    keysPerOp: 1,
    requestsPerOp: 2,
    run: roundTripMasterToSlave,
  },
  'enc-master-128': {
    id: 'enc-master-128',
    title: 'enc_keys 128×256 at the master KME',
    keysPerOp: 128,
    requestsPerOp: 1,
    async run({ sae1 }) {
      keysOf(await encKeys(sae1, SLAVE_SAE, 128), 128);
    },
  },
};
