import { UnexpectedAnswerError, type BenchClient } from './client';
import type { ScenarioId } from './options';

/** Bits per key in every scenario; the KMEs run with DEFAULT_KEY_SIZE of the same. */
export const KEY_BITS = 256;

export const MASTER_SAE = 'sae-1';
export const SLAVE_SAE = 'sae-2';

/** Origins (https://host:port) of the servers under test. */
export interface Endpoints {
  readonly master: string;
  readonly slave: string;
  readonly reference: string;
}

/** One client per SAE: sae-1 is attached to the master KME, sae-2 to the slave KME. */
export interface SaeClients {
  readonly sae1: BenchClient;
  readonly sae2: BenchClient;
}

export interface Scenario {
  readonly id: ScenarioId;
  readonly title: string;
  /** Keys delivered to an SAE per operation (0 for status). */
  readonly keysPerOp: number;
  /** HTTP requests per operation. */
  readonly requestsPerOp: number;
  /** One operation; throws on any failure, the answer's content included. */
  run(clients: SaeClients, endpoints: Endpoints): Promise<void>;
}

interface Key {
  readonly keyId: string;
  readonly key: string;
}

const encPath = (slaveSae: string, number: number) =>
  `/api/v1/keys/${slaveSae}/enc_keys?number=${number}&size=${KEY_BITS}`;
const statusPath = (slaveSae: string) => `/api/v1/keys/${slaveSae}/status`;
const decPath = (masterSae: string, keyId: string) =>
  `/api/v1/keys/${masterSae}/dec_keys?key_ID=${encodeURIComponent(keyId)}`;

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
 * the other KME for it with dec_keys; throws unless both answer the same key.
 */
async function roundTrip(
  from: { client: BenchClient; origin: string; sae: string },
  to: { client: BenchClient; origin: string; sae: string },
): Promise<void> {
  const [sent] = keysOf(await from.client.getJson(from.origin, encPath(to.sae, 1)), 1);
  const [received] = keysOf(await to.client.getJson(to.origin, decPath(from.sae, sent.keyId)), 1);
  if (received.keyId.toLowerCase() !== sent.keyId.toLowerCase()) {
    throw new UnexpectedAnswerError('dec_keys answered another key ID');
  }
  if (received.key !== sent.key) {
    throw new UnexpectedAnswerError('the key bytes differ between the two KMEs');
  }
}

/** enc_keys at the master KME (sae-1), dec_keys at the slave KME (sae-2). */
export function roundTripMasterToSlave(
  { sae1, sae2 }: SaeClients,
  { master, slave }: Endpoints,
): Promise<void> {
  return roundTrip(
    { client: sae1, origin: master, sae: MASTER_SAE },
    { client: sae2, origin: slave, sae: SLAVE_SAE },
  );
}

/** enc_keys at the slave KME (sae-2), dec_keys at the master KME (sae-1). */
export function roundTripSlaveToMaster(
  { sae1, sae2 }: SaeClients,
  { master, slave }: Endpoints,
): Promise<void> {
  return roundTrip(
    { client: sae2, origin: slave, sae: SLAVE_SAE },
    { client: sae1, origin: master, sae: MASTER_SAE },
  );
}

/** The soak's two directions, by name, each one round trip (two requests). */
export const SOAK_DIRECTIONS: readonly {
  readonly name: string;
  readonly run: (clients: SaeClients, endpoints: Endpoints) => Promise<void>;
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
    async run({ sae1 }, { reference }) {
      keysOf(await sae1.getJson(reference, encPath(SLAVE_SAE, 1)), 1);
    },
  },
  status: {
    id: 'status',
    title: 'status at the master KME',
    keysPerOp: 0,
    requestsPerOp: 1,
    async run({ sae1 }, { master }) {
      storedKeyCountOf(await sae1.getJson(master, statusPath(SLAVE_SAE)));
    },
  },
  'status-slave': {
    id: 'status-slave',
    title: 'status at the slave KME',
    keysPerOp: 0,
    requestsPerOp: 1,
    async run({ sae2 }, { slave }) {
      storedKeyCountOf(await sae2.getJson(slave, statusPath(MASTER_SAE)));
    },
  },
  'enc-master': {
    id: 'enc-master',
    title: 'enc_keys 1×256 at the master KME',
    keysPerOp: 1,
    requestsPerOp: 1,
    async run({ sae1 }, { master }) {
      keysOf(await sae1.getJson(master, encPath(SLAVE_SAE, 1)), 1);
    },
  },
  'enc-slave': {
    id: 'enc-slave',
    title: 'enc_keys 1×256 at the slave KME',
    keysPerOp: 1,
    requestsPerOp: 1,
    async run({ sae2 }, { slave }) {
      keysOf(await sae2.getJson(slave, encPath(MASTER_SAE, 1)), 1);
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
    async run({ sae1 }, { master }) {
      keysOf(await sae1.getJson(master, encPath(SLAVE_SAE, 128)), 128);
    },
  },
};
