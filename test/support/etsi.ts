import type { ErrorDto, KeyContainerDto, KeyDto, KeyRequestDto, StatusDto } from '@app/etsi-client';
import type { HttpAnswer, HttpsClient, KmeTestPair, Role } from './kme-harness';

/** ETSI GS QKD 014 bodies (Tables 9, 11, 13), as the client library types them. */
export type EtsiKey = KeyDto;
export type KeyContainer = KeyContainerDto;
export type Status = StatusDto;
export type EtsiError = ErrorDto;

/** The standard's exact messages (digest §5). */
export const SIZE_NOT_MULTIPLE_OF_8 = 'size shall be a multiple of 8';
export const MANDATORY_UNSUPPORTED = 'not all extension_mandatory parameters are supported';
export const KEYS_NOT_FOUND = 'one or more keys specified are not found on KME';

/**
 * A key ID as an unseeded KME hands them out: a canonical lower-case, time-ordered (version 7)
 * RFC 9562 UUID. (KEY_SEED runs give seeded version-4 IDs instead.)
 */
export const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** RFC 4648 §4 base64: standard alphabet, padded to a multiple of 4 characters. */
const BASE64_STANDARD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A random key ID no KME ever handed out. */
export const UNKNOWN_KEY_ID = 'bc490419-7d60-487f-adc1-4ddcc177c139';

/** The four SAEs of the e2e PKI split over the pair: sae-1, sae-3 on kme-1; sae-2, sae-4 on kme-2. */
export const FOUR_SAE_PAIR = {
  masterEnv: { ATTACHED_SAE_ID: 'sae-1,sae-3', LINKED_SAE_ID: 'sae-2,sae-4' },
  slaveEnv: { ATTACHED_SAE_ID: 'sae-2,sae-4', LINKED_SAE_ID: 'sae-1,sae-3' },
} as const;

/** Which KME each SAE is attached to, in FOUR_SAE_PAIR (and sae-1/sae-2 in the default pair). */
export const KME_OF: Record<string, Role> = {
  'sae-1': 'master',
  'sae-3': 'master',
  'sae-2': 'slave',
  'sae-4': 'slave',
};

export const KME_ID: Record<Role, string> = { master: 'kme-1', slave: 'kme-2' };

/**
 * The two ways keys cross the pair: the master SAE on the master KME (enc_keys at kme-1,
 * dec_keys at kme-2) and the master SAE on the slave KME (enc_keys at kme-2, dec_keys at kme-1).
 */
export interface Direction {
  readonly name: string;
  readonly masterSae: string;
  readonly slaveSae: string;
  readonly encKme: Role;
  readonly decKme: Role;
}

export const DIRECTIONS: readonly Direction[] = [
  {
    name: 'master SAE on the master KME (enc_keys at kme-1, dec_keys at kme-2)',
    masterSae: 'sae-1',
    slaveSae: 'sae-2',
    encKme: 'master',
    decKme: 'slave',
  },
  {
    name: 'master SAE on the slave KME (enc_keys at kme-2, dec_keys at kme-1)',
    masterSae: 'sae-2',
    slaveSae: 'sae-1',
    encKme: 'slave',
    decKme: 'master',
  },
];

/** Paths of the three ETSI methods. */
export const statusPath = (slaveSae: string): string => `/api/v1/keys/${slaveSae}/status`;
export const encPath = (slaveSae: string, query = ''): string =>
  `/api/v1/keys/${slaveSae}/enc_keys${query}`;
export const decPath = (masterSae: string, query = ''): string =>
  `/api/v1/keys/${masterSae}/dec_keys${query}`;

/** The clients of one direction: the master SAE at its KME, the slave SAE at its KME. */
export interface DirectionClients {
  readonly master: HttpsClient;
  readonly slave: HttpsClient;
}

export function clientsOf(pair: KmeTestPair, direction: Direction): DirectionClients {
  return {
    master: pair.client(direction.encKme, direction.masterSae),
    slave: pair.client(direction.decKme, direction.slaveSae),
  };
}

/**
 * Gets keys with POST enc_keys through the client library (which percent-encodes the SAE ID);
 * anything but 200 rejects with its typed error (EtsiHttpError: status, ETSI message, details).
 */
export async function encKeys(
  client: HttpsClient,
  slaveSae: string,
  request: KeyRequestDto = {},
): Promise<EtsiKey[]> {
  return (await client.etsi.encKeys(slaveSae, request, { method: 'POST' })).keys;
}

/** Fetches keys with POST dec_keys through the client library; anything but 200 rejects. */
export async function decKeys(
  client: HttpsClient,
  masterSae: string,
  keyIds: readonly string[],
): Promise<EtsiKey[]> {
  return (await client.etsi.decKeys(masterSae, keyIds, { method: 'POST' })).keys;
}

export const postKeyIds = (
  client: HttpsClient,
  masterSae: string,
  keyIds: readonly string[],
): Promise<HttpAnswer<KeyContainer | EtsiError>> =>
  client.post<KeyContainer | EtsiError>(decPath(masterSae), {
    key_IDs: keyIds.map((key_ID) => ({ key_ID })),
  });

/** Fails with the body when the answer is not 200, so a failure says why. */
export function expect200(answer: HttpAnswer): void {
  if (answer.status !== 200) {
    throw new Error(`expected 200, got ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
}

/**
 * A key container of `number` keys of `sizeBits` each: only key_ID and key, IDs canonical
 * lowercase v4 UUIDs and distinct, keys standard padded base64 of exactly sizeBits / 8 bytes.
 */
export function expectKeyContainer(
  answer: HttpAnswer,
  number: number,
  sizeBits: number,
): EtsiKey[] {
  expect200(answer);
  expect(String(answer.headers['content-type'])).toMatch(/^application\/json/);
  const body = answer.body as KeyContainer;
  expect(Object.keys(body)).toEqual(['keys']);
  expect(body.keys).toHaveLength(number);
  for (const key of body.keys) {
    expect(Object.keys(key).sort()).toEqual(['key', 'key_ID']);
    expect(key.key_ID).toMatch(KEY_ID);
    expectBase64Key(key.key, sizeBits);
  }
  expect(new Set(body.keys.map((key) => key.key_ID)).size).toBe(number);
  return body.keys;
}

export function expectBase64Key(key: string, sizeBits: number): void {
  expect(key).toMatch(BASE64_STANDARD);
  const bytes = Buffer.from(key, 'base64');
  expect(bytes.length * 8).toBe(sizeBits);
  // Canonical: re-encoding the bytes gives the same text.
  expect(bytes.toString('base64')).toBe(key);
}

/**
 * An ETSI Error body (Table 13) with the given status: JSON, `message` a string, nothing but
 * `message` and `details`, details an array of name/value objects.
 */
export function expectEtsiError(
  answer: HttpAnswer,
  status: number,
  message?: string | RegExp,
): EtsiError {
  if (answer.status !== status) {
    throw new Error(`expected ${status}, got ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
  expectErrorShape(answer);
  const body = answer.body as EtsiError;
  if (typeof message === 'string') expect(body.message).toBe(message);
  else if (message !== undefined) expect(body.message).toMatch(message);
  return body;
}

/** The shape every non-2xx answer of a KME must have, whatever its status. */
export function expectErrorShape(answer: HttpAnswer): void {
  const problems = errorShapeProblems(answer);
  if (problems.length > 0) {
    throw new Error(
      `not an ETSI Error body (${problems.join('; ')}): ${answer.status} ` +
        `${String(answer.headers['content-type'])} ${JSON.stringify(answer.body)}`,
    );
  }
}

export function errorShapeProblems(answer: HttpAnswer): string[] {
  const problems: string[] = [];
  if (!/^application\/json/.test(String(answer.headers['content-type']))) {
    problems.push('content-type is not application/json');
  }
  const body = answer.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return [...problems, 'body is not a JSON object'];
  }
  const { message, details, ...extra } = body as Record<string, unknown>;
  if (typeof message !== 'string' || message.length === 0) problems.push('no string message');
  if (Object.keys(extra).length > 0)
    problems.push(`fields besides message/details: ${Object.keys(extra).join(', ')}`);
  if (details !== undefined) {
    const pairs = Array.isArray(details) ? (details as unknown[]) : undefined;
    if (
      pairs === undefined ||
      pairs.some((d) => typeof d !== 'object' || d === null || Array.isArray(d))
    ) {
      problems.push('details is not an array of objects');
    }
  }
  return problems;
}

/** A 400 Error body whose details name `field`. */
export function expectBadRequest(
  answer: HttpAnswer,
  field?: string,
  message?: string | RegExp,
): EtsiError {
  const body = expectEtsiError(answer, 400, message);
  if (field !== undefined) {
    expect(detailFields(body)).toContain(field);
  }
  return body;
}

/** The names of the name/value pairs in an Error body's details. */
export const detailFields = (body: EtsiError): string[] =>
  (body.details ?? []).flatMap((detail) => Object.keys(detail));

/** Polls `read` until `done` holds, or fails after `timeoutMs` with the last value. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) {
      throw new Error(
        `condition not met within ${timeoutMs} ms; last value ${JSON.stringify(value)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}
