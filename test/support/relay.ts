import type { KeyRequestDto } from '@app/etsi-client';
import { KEYS_NOT_FOUND, type EtsiError, type KeyContainer } from './etsi';
import type { HttpAnswer, HttpsClient, KmeTestPair, Role } from './kme-harness';

export type { KeyContainer } from './etsi';
export { KEYS_NOT_FOUND };

/** ETSI Error body (§6.5): the client library's type, the name these helpers always used. */
export type ErrorBody = EtsiError;

/** Pool settings for tests where speed matters: unlimited rate, a large pool. */
export const FAST_LINK_ENV: Record<string, string> = {
  KEY_RATE_BPS: '0',
  MAX_KEY_COUNT: '100000',
};

/** How long any request that depends on a dead broker or peer may take to say 503. */
export const UNAVAILABLE_BOUND_MS = 5_000 + 1_500;

export const peerOf = (role: Role): Role => (role === 'master' ? 'slave' : 'master');

/** A key as its master SAE received it. */
export interface IssuedKey {
  readonly keyId: string;
  readonly key: Buffer;
}

export interface Timed<T> {
  readonly answer: HttpAnswer<T>;
  readonly ms: number;
}

export async function timed<T>(call: Promise<HttpAnswer<T>>): Promise<Timed<T>> {
  const began = Date.now();
  const answer = await call;
  return { answer, ms: Date.now() - began };
}

/** No request of these tests may take longer: a hung request fails naming itself. */
const REQUEST_DEADLINE_MS = 15_000;

function bounded<T>(what: string, call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer within ${REQUEST_DEADLINE_MS} ms`)),
      REQUEST_DEADLINE_MS,
    );
  });
  return Promise.race([call, deadline]).finally(() => clearTimeout(timer));
}

/** POST enc_keys (multi-key form) for `slaveSae`, by the client's SAE. */
export function encKeys(
  client: HttpsClient,
  slaveSae: string,
  request: KeyRequestDto = {},
): Promise<HttpAnswer<KeyContainer | ErrorBody>> {
  const path = `/api/v1/keys/${slaveSae}/enc_keys`;
  return bounded(
    `POST ${client.baseUrl}${path}`,
    client.post<KeyContainer | ErrorBody>(path, request),
  );
}

/** POST dec_keys of `keyIds`, by the client's SAE, naming `masterSae`. */
export function decKeys(
  client: HttpsClient,
  masterSae: string,
  keyIds: readonly string[],
): Promise<HttpAnswer<KeyContainer | ErrorBody>> {
  const path = `/api/v1/keys/${masterSae}/dec_keys`;
  const body = { key_IDs: keyIds.map((key_ID) => ({ key_ID })) };
  return bounded(
    `POST ${client.baseUrl}${path}`,
    client.post<KeyContainer | ErrorBody>(path, body),
  );
}

export const issued = (answer: HttpAnswer<KeyContainer | ErrorBody>): IssuedKey[] => {
  if (answer.status !== 200) {
    throw new Error(`expected keys, got ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return (answer.body as KeyContainer).keys.map(({ key_ID, key }) => ({
    keyId: key_ID,
    key: Buffer.from(key, 'base64'),
  }));
};

/** True when the body is an ETSI Error body: a message string and, at most, details. */
export function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { message, details, ...rest } = body as Record<string, unknown>;
  return (
    typeof message === 'string' &&
    message.length > 0 &&
    (details === undefined || Array.isArray(details)) &&
    Object.keys(rest).length === 0
  );
}

/** A 400 with the exact not-found message in an ETSI Error body. */
export function expectNotFound(answer: HttpAnswer): void {
  if (
    answer.status !== 400 ||
    !isErrorBody(answer.body) ||
    answer.body.message !== KEYS_NOT_FOUND
  ) {
    throw new Error(`expected 400 "${KEYS_NOT_FOUND}", got ${show(answer)}`);
  }
}

/** Describes an answer for a failure message. */
export const show = (answer: HttpAnswer): string =>
  `${answer.status} ${JSON.stringify(answer.body)}`;

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once; all results, in order. */
export async function runConcurrently<T>(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `attempt` until it returns a value other than undefined, or fails after `timeoutMs`
 * saying `what` and the last thing seen. Polling a condition, not sleeping for one.
 */
export async function pollUntil<T>(
  what: string,
  timeoutMs: number,
  attempt: () => Promise<T | undefined>,
  describeLast: () => string = () => '',
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await attempt();
    if (result !== undefined) return result;
    if (Date.now() >= deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms. ${describeLast()}`);
    }
    await pause(intervalMs);
  }
}

/** SAEs used for round trips: the master SAE calls enc_keys at `role`, its peer dec_keys. */
export interface Direction {
  readonly role: Role;
  readonly masterSae: string;
  readonly slaveSae: string;
}

export const MASTER_TO_SLAVE: Direction = { role: 'master', masterSae: 'sae-1', slaveSae: 'sae-2' };
export const SLAVE_TO_MASTER: Direction = { role: 'slave', masterSae: 'sae-2', slaveSae: 'sae-1' };

export type RoundTrip =
  | { readonly ok: true; readonly keys: IssuedKey[] }
  | {
      readonly ok: false;
      readonly step: 'enc_keys' | 'dec_keys';
      /** The KME's answer, or none when the request failed in transport (KME killed). */
      readonly answer?: HttpAnswer;
      readonly transportError?: string;
      readonly ms: number;
      /** Keys enc_keys handed out when dec_keys then failed. */
      readonly keys: IssuedKey[];
    };

/** An HTTP answer, or the transport error instead (connection refused or reset). */
async function attempt<T>(
  call: () => Promise<HttpAnswer<T>>,
): Promise<{ answer?: HttpAnswer<T>; transportError?: string; ms: number }> {
  const began = Date.now();
  try {
    return { answer: await call(), ms: Date.now() - began };
  } catch (error) {
    return {
      transportError: error instanceof Error ? error.message : String(error),
      ms: Date.now() - began,
    };
  }
}

export const describeFailure = (trip: RoundTrip): string =>
  trip.ok
    ? 'ok'
    : `${trip.step}: ${trip.answer ? show(trip.answer) : `transport error ${trip.transportError}`} after ${trip.ms} ms`;

/**
 * Clients of one direction of a pair: enc_keys by the master SAE at its KME, dec_keys by the
 * slave SAE at the peer KME, immediately after.
 */
export class RoundTripper {
  readonly enc: HttpsClient;
  readonly dec: HttpsClient;

  constructor(
    pair: KmeTestPair,
    readonly direction: Direction,
  ) {
    this.enc = pair.client(direction.role, direction.masterSae);
    this.dec = pair.client(peerOf(direction.role), direction.slaveSae);
  }

  /** One round trip; a byte mismatch throws at once: it is never acceptable. */
  async once(request: { number?: number; size?: number } = { size: 256 }): Promise<RoundTrip> {
    const { masterSae, slaveSae } = this.direction;
    const enc = await attempt(() => encKeys(this.enc, slaveSae, request));
    if (enc.answer?.status !== 200) return { ok: false, step: 'enc_keys', ...enc, keys: [] };
    const keys = issued(enc.answer);
    const ids = keys.map((key) => key.keyId);
    const dec = await attempt(() => decKeys(this.dec, masterSae, ids));
    if (dec.answer?.status !== 200) return { ok: false, step: 'dec_keys', ...dec, keys };
    expectSameKeys(keys, issued(dec.answer));
    return { ok: true, keys };
  }

  /** A round trip that must succeed. */
  async mustSucceed(request?: { number?: number; size?: number }): Promise<IssuedKey[]> {
    const trip = await this.once(request);
    if (!trip.ok) {
      throw new Error(
        `${this.direction.role} KME → peer round trip failed at ${describeFailure(trip)}`,
      );
    }
    return trip.keys;
  }
}

/** The peer delivered exactly the keys the master SAE got: same IDs, same order, same bytes. */
export function expectSameKeys(
  handedOut: readonly IssuedKey[],
  fetched: readonly IssuedKey[],
): void {
  const wanted = handedOut.map(({ keyId, key }) => `${keyId}=${key.toString('hex')}`);
  const got = fetched.map(({ keyId, key }) => `${keyId}=${key.toString('hex')}`);
  if (wanted.join() !== got.join()) {
    throw new Error(
      `KEY MISMATCH between the KMEs:\n handed out ${wanted.join('\n')}\n fetched    ${got.join('\n')}`,
    );
  }
}

/**
 * Every key ID handed out and its bytes, across a whole test file: an ID must never come back
 * with other bytes, and no material may be part of two keys.
 */
export class KeyLedger {
  private readonly keys = new Map<string, Buffer>();

  get size(): number {
    return this.keys.size;
  }

  /** Records keys handed out by enc_keys; an ID handed out twice is a failure. */
  issued(keys: readonly IssuedKey[]): void {
    for (const { keyId, key } of keys) {
      if (this.keys.has(keyId)) throw new Error(`key ID ${keyId} handed out twice`);
      this.keys.set(keyId, key);
    }
  }

  /** A key fetched by dec_keys must have the bytes its ID was handed out with. */
  fetched(keys: readonly IssuedKey[]): void {
    for (const { keyId, key } of keys) {
      const original = this.keys.get(keyId);
      if (original === undefined) throw new Error(`key ID ${keyId} fetched but never handed out`);
      if (!original.equals(key)) {
        throw new Error(
          `KEY MISMATCH for ${keyId}: handed out ${original.toString('hex')}, fetched ${key.toString('hex')}`,
        );
      }
    }
  }

  /**
   * No 8-byte window of material appears in two keys (or twice in one): with random material,
   * a repeat means a byte range was handed out twice. Keys must be 8 bytes or longer.
   */
  expectNoReusedMaterial(): void {
    const seen = new Map<bigint, string>();
    for (const [keyId, key] of this.keys) {
      if (key.length < 8) throw new Error(`key ${keyId} is shorter than 8 bytes`);
      for (let offset = 0; offset + 8 <= key.length; offset++) {
        const window = key.readBigUInt64BE(offset);
        const earlier = seen.get(window);
        if (earlier !== undefined) {
          throw new Error(
            `material reused: bytes ${window.toString(16)} appear in key ${earlier} and at offset ${offset} of key ${keyId}`,
          );
        }
        seen.set(window, `${keyId}@${offset}`);
      }
    }
  }
}

/** What one round trip of a background load came to. */
export interface LoadOutcome {
  readonly direction: Direction;
  readonly startedAt: number;
  readonly trip: RoundTrip;
}

/**
 * Round trips in both directions, back to back, until stopped, recording every outcome. A byte
 * mismatch rejects the load at once: stop() throws it.
 */
export class BackgroundLoad {
  readonly outcomes: LoadOutcome[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(trippers: readonly RoundTripper[], perDirection = 2) {
    this.loops = trippers.flatMap((tripper) =>
      Array.from({ length: perDirection }, () => this.loop(tripper)),
    );
    // A mismatch is reported by stop(); until then nothing may go unhandled.
    for (const loop of this.loops) loop.catch(() => undefined);
  }

  async stop(): Promise<LoadOutcome[]> {
    this.running = false;
    await Promise.all(this.loops);
    return this.outcomes;
  }

  private async loop(tripper: RoundTripper): Promise<void> {
    while (this.running) {
      const startedAt = Date.now();
      const trip = await tripper.once({ size: 256 });
      this.outcomes.push({ direction: tripper.direction, startedAt, trip });
      // Pacing only, so a refused connection does not spin: nothing waits on this.
      if (!trip.ok) await pause(50);
    }
  }
}

export interface FaultRules {
  /** The KME that was down: requests to it (and only to it) may fail without an answer. */
  readonly deadKme?: Role;
  /** Keys may be lost with a restart: dec_keys may answer 400 not found. */
  readonly lostKeys: boolean;
}

/** Keys handed out whose dec_keys failed during a fault; they are checked again afterwards. */
export interface Unfetched {
  readonly direction: Direction;
  readonly keys: IssuedKey[];
}

/**
 * Checks the outcomes of a load run through a fault: every answer that is not keys must be a
 * 503 ETSI Error body within UNAVAILABLE_BOUND_MS (or, per `rules`, a transport error or 400 not
 * found for lost keys). Returns what broke a rule, and the keys whose dec_keys failed.
 */
export function judgeOutcomes(
  outcomes: readonly LoadOutcome[],
  rules: FaultRules,
): {
  violations: string[];
  unfetched: Unfetched[];
  unavailable: number;
  succeeded: number;
  slowestUnavailableMs: number;
} {
  const violations: string[] = [];
  let slowestUnavailableMs = 0;
  const unfetched: Unfetched[] = [];
  let unavailable = 0;
  let succeeded = 0;
  for (const { direction, trip } of outcomes) {
    if (trip.ok) {
      succeeded++;
      continue;
    }
    if (trip.keys.length > 0) unfetched.push({ direction, keys: trip.keys });
    const where = `${direction.role} KME ${direction.masterSae}→${direction.slaveSae} ${describeFailure(trip)}`;
    const { answer } = trip;
    if (answer === undefined) {
      const target = trip.step === 'enc_keys' ? direction.role : peerOf(direction.role);
      if (target !== rules.deadKme) violations.push(where);
      continue;
    }
    const lostKey =
      trip.step === 'dec_keys' &&
      answer.status === 400 &&
      isErrorBody(answer.body) &&
      answer.body.message === KEYS_NOT_FOUND;
    if (lostKey && rules.lostKeys) continue;
    if (answer.status !== 503 || !isErrorBody(answer.body) || trip.ms > UNAVAILABLE_BOUND_MS) {
      violations.push(where);
      continue;
    }
    unavailable++;
    slowestUnavailableMs = Math.max(slowestUnavailableMs, trip.ms);
  }
  return { violations, unfetched, unavailable, succeeded, slowestUnavailableMs };
}

/** Runs a test body; a failure carries the tail of both KMEs' output, to see why. */
export async function withKmeLogs(pair: KmeTestPair, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const tail = (text: string) => text.slice(-4_000);
    const logs = `\n--- master KME\n${tail(pair.master.output)}\n--- slave KME\n${tail(pair.slave.output)}`;
    if (error instanceof Error) {
      error.message += logs;
      throw error;
    }
    throw new Error(`${String(error)}${logs}`);
  }
}

/**
 * Fetches keys handed out before or during a fault, one request per key, all at once: each must
 * come back with its bytes, or (when `mayBeLost`) answer 400 not found. Never other bytes.
 */
export async function fetchAfterFault(
  client: HttpsClient,
  masterSae: string,
  keys: readonly IssuedKey[],
  mayBeLost: boolean,
): Promise<{ fetched: IssuedKey[]; lost: string[] }> {
  const fetched: IssuedKey[] = [];
  const lost: string[] = [];
  await Promise.all(
    keys.map(async (key) => {
      const answer = await decKeys(client, masterSae, [key.keyId]);
      if (answer.status === 200) {
        const [got] = issued(answer);
        expectSameKeys([key], [got]);
        fetched.push(got);
        return;
      }
      if (!mayBeLost) throw new Error(`key ${key.keyId} should have survived: ${show(answer)}`);
      expectNotFound(answer);
      lost.push(key.keyId);
    }),
  );
  return { fetched, lost };
}
