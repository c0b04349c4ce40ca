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
    async run({ sae1, sae2 }, { master, slave }) {
      const [sent] = keysOf(await sae1.getJson(master, encPath(SLAVE_SAE, 1)), 1);
      const [received] = keysOf(await sae2.getJson(slave, decPath(MASTER_SAE, sent.keyId)), 1);
      if (received.keyId.toLowerCase() !== sent.keyId.toLowerCase()) {
        throw new UnexpectedAnswerError('dec_keys answered another key ID');
      }
      if (received.key !== sent.key) {
        throw new UnexpectedAnswerError('the key bytes differ between the two KMEs');
      }
    },
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
