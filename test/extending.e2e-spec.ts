import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryOfExample } from './support/e2e-paths';
import {
  decKeys,
  decPath,
  encKeys,
  expect200,
  expectEtsiError,
  statusPath,
  type EtsiKey,
  type Status,
} from './support/etsi';
import {
  KmeTestPair,
  pem,
  type HttpAnswer,
  type HttpsClient,
  type PairOptions,
} from './support/kme-harness';
import { FAST_LINK_ENV, pollUntil } from './support/relay';

/** The SAE IDs of the pair as the KMEs read them from the certificates of sae-1 and sae-2. */
interface Naming {
  readonly sae1: string;
  readonly sae2: string;
}

/** The ID in a path, as an SAE must send it (a URI's `:` and `/` percent-encoded). */
const inPath = (saeId: string): string => encodeURIComponent(saeId);

/** Waits until both KMEs hold `keys` keys for the pair's SAEs. */
async function waitForKeys(sae1: HttpsClient, sae2: HttpsClient, ids: Naming): Promise<void> {
  let last: HttpAnswer[] = [];
  await pollUntil(
    'keys at both KMEs',
    30_000,
    async () => {
      last = await Promise.all([
        sae1.get<Status>(statusPath(inPath(ids.sae2))),
        sae2.get<Status>(statusPath(inPath(ids.sae1))),
      ]);
      const ready = last.every(
        (a) => a.status === 200 && (a.body as Status).stored_key_count >= 20,
      );
      return ready ? true : undefined;
    },
    () =>
      `last status answers: ${last.map((a) => `${a.status} ${JSON.stringify(a.body)}`).join(', ')}`,
  );
}

/** Keys both ways between sae-1 (at the master KME) and sae-2 (at the slave KME), by these IDs. */
async function roundTrips(sae1: HttpsClient, sae2: HttpsClient, ids: Naming): Promise<void> {
  const status = await sae1.get<Status>(statusPath(inPath(ids.sae2)));
  expect200(status);
  expect(status.body).toMatchObject({ master_SAE_ID: ids.sae1, slave_SAE_ID: ids.sae2 });

  const there = await encKeys(sae1, ids.sae2, { number: 2 });
  const fetched = await decKeys(
    sae2,
    ids.sae1,
    there.map((key) => key.key_ID),
  );
  expect(fetched).toEqual(there);

  const back = await encKeys(sae2, ids.sae1, { number: 1 });
  expect(await decKeys(sae1, ids.sae2, [back[0].key_ID])).toEqual(back);
}

/** A pair with sae-1 (and the CN-named sae-3) on the master KME, sae-2 on the slave KME. */
function pairNamed(ids: Naming, env: Record<string, string>): PairOptions {
  return {
    env: { ...FAST_LINK_ENV, ...env },
    // sae-3 is attached under its CN, which these modes do not read: its certificate is refused.
    masterEnv: { ATTACHED_SAE_ID: `${ids.sae1},sae-3`, LINKED_SAE_ID: ids.sae2 },
    slaveEnv: { ATTACHED_SAE_ID: ids.sae2, LINKED_SAE_ID: ids.sae1 },
  };
}

describe('SAE_ID_FROM=san-uri: SAE IDs from the certificates’ URI SANs', () => {
  const ids: Naming = { sae1: 'urn:qkd:sae:sae-1', sae2: 'urn:qkd:sae:sae-2' };
  let pair: KmeTestPair;
  let sae1: HttpsClient;
  let sae2: HttpsClient;

  beforeAll(async () => {
    pair = await KmeTestPair.start(pairNamed(ids, { SAE_ID_FROM: 'san-uri' }));
    sae1 = pair.client('master', 'sae-1');
    sae2 = pair.client('slave', 'sae-2');
    await waitForKeys(sae1, sae2, ids);
  });

  afterAll(() => pair?.stop());

  it('serves round trips both ways, the URIs percent-encoded in the paths', async () => {
    expect(statusPath(inPath(ids.sae2))).toBe('/api/v1/keys/urn%3Aqkd%3Asae%3Asae-2/status');
    await roundTrips(sae1, sae2, ids);
  });

  it('refuses a certificate whose SAE is attached under its CN (401)', async () => {
    const sae3 = pair.client('master', 'sae-3');
    expectEtsiError(await sae3.get(statusPath(inPath(ids.sae2))), 401, /URI/);
  });

  it('does not take the CN for the SAE ID in a path', async () => {
    const [key] = await encKeys(sae1, ids.sae2, { number: 1 });
    // sae-1 names no SAE in this mode, and the refusal does not use the key up.
    const answer = await sae2.get(decPath('sae-1', `?key_ID=${key.key_ID}`));
    expectEtsiError(answer, 400, 'unknown master_SAE_ID: sae-1');
    expect(await decKeys(sae2, ids.sae1, [key.key_ID])).toEqual([key]);
  });
});

describe('SAE_ID_FROM=serial: SAE IDs from the certificates’ serial numbers', () => {
  const serialOf = (name: string): string =>
    new X509Certificate(pem(`${name}.crt`)).serialNumber.toUpperCase();
  let ids: Naming;
  let pair: KmeTestPair;
  let sae1: HttpsClient;
  let sae2: HttpsClient;

  beforeAll(async () => {
    ids = { sae1: serialOf('sae-1'), sae2: serialOf('sae-2') };
    pair = await KmeTestPair.start(pairNamed(ids, { SAE_ID_FROM: 'serial' }));
    sae1 = pair.client('master', 'sae-1');
    sae2 = pair.client('slave', 'sae-2');
    await waitForKeys(sae1, sae2, ids);
  });

  afterAll(() => pair?.stop());

  it('serves round trips both ways', async () => {
    expect(ids.sae1).toMatch(/^[0-9A-F]+$/);
    await roundTrips(sae1, sae2, ids);
  });

  it('refuses a certificate whose SAE is attached under its CN (401)', async () => {
    const sae3 = pair.client('master', 'sae-3');
    expectEtsiError(await sae3.get(statusPath(ids.sae2)), 401, /serial/);
  });
});

interface LoggedDelivery {
  readonly at: string;
  readonly route: 'enc_keys' | 'dec_keys';
  readonly callerSaeId: string;
  readonly peerSaeIds: string[];
  readonly keyIds: string[];
  readonly keySizeBits: number;
  readonly requestId: string;
}

/**
 * examples/observed-master: an app's own SaeIdentity (the certificate with CN sae-1 is SAE
 * `alice`) in place of SAE_ID_FROM, and its own DeliveryObserver writing a JSON line per
 * delivery, with the stock slave KME.
 */
describe('an app’s own SaeIdentity and DeliveryObserver', () => {
  const ids: Naming = { sae1: 'alice', sae2: 'sae-2' };
  let logDir: string;
  let logFile: string;
  let pair: KmeTestPair;
  let sae1: HttpsClient;
  let sae2: HttpsClient;

  const logged = (): LoggedDelivery[] =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LoggedDelivery);

  beforeAll(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'qkd-kme-e2e-deliveries-'));
    logFile = join(logDir, 'deliveries.jsonl');
    pair = await KmeTestPair.start({
      env: FAST_LINK_ENV,
      // SAE_ID_FROM is the built-in choice; the app's own identity replaces it whatever it says.
      masterEnv: {
        ATTACHED_SAE_ID: 'alice,sae-3',
        LINKED_SAE_ID: 'sae-2',
        SAE_ID_FROM: 'serial',
        DELIVERY_LOG_FILE: logFile,
      },
      slaveEnv: { ATTACHED_SAE_ID: 'sae-2', LINKED_SAE_ID: 'alice' },
      masterEntry: entryOfExample('observed-master'),
    });
    sae1 = pair.client('master', 'sae-1');
    sae2 = pair.client('slave', 'sae-2');
    await waitForKeys(sae1, sae2, ids);
  });

  afterAll(async () => {
    await pair?.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('names the SAE of a certificate as the app’s SaeIdentity says', async () => {
    await roundTrips(sae1, sae2, ids);
    // CN sae-3 is its own SAE ID in that identity, and so is attached.
    expect200(await pair.client('master', 'sae-3').get(statusPath('sae-2')));
  });

  it('tells the observer of every delivery at its KME, with IDs, SAEs and sizes, never a key', async () => {
    const before = logged().length;
    const handedOut: EtsiKey[] = await encKeys(sae1, 'sae-2', { number: 3, size: 256 });
    const single: EtsiKey[] = await encKeys(sae1, 'sae-2', { number: 1, size: 512 });
    // Keys the master SAE at the slave KME had made for alice, fetched at the master KME.
    const forAlice = await encKeys(sae2, 'alice', { number: 2, size: 128 });
    const fetched = await decKeys(
      sae1,
      'sae-2',
      forAlice.map((key) => key.key_ID),
    );
    // A refused fetch delivers nothing, and is no event.
    expectEtsiError(await sae1.get(decPath('sae-2', `?key_ID=${forAlice[0].key_ID}`)), 400);
    // Deliveries at the slave KME are that KME's, not this observer's.
    await decKeys(
      sae2,
      'alice',
      handedOut.map((key) => key.key_ID),
    );

    const events = logged().slice(before);
    expect(events.map(({ at: _at, ...event }) => event)).toEqual([
      {
        route: 'enc_keys',
        callerSaeId: 'alice',
        peerSaeIds: ['sae-2'],
        keyIds: handedOut.map((key) => key.key_ID),
        keySizeBits: 256,
        requestId: expect.any(String) as unknown,
      },
      {
        route: 'enc_keys',
        callerSaeId: 'alice',
        peerSaeIds: ['sae-2'],
        keyIds: single.map((key) => key.key_ID),
        keySizeBits: 512,
        requestId: expect.any(String) as unknown,
      },
      {
        route: 'dec_keys',
        callerSaeId: 'alice',
        peerSaeIds: ['sae-2'],
        keyIds: fetched.map((key) => key.key_ID),
        keySizeBits: 128,
        requestId: expect.any(String) as unknown,
      },
    ]);
    for (const event of events) expect(Number.isNaN(Date.parse(event.at))).toBe(false);
    // Each names its own request (X-Request-Id, here one the KME chose).
    expect(new Set(events.map((event) => event.requestId)).size).toBe(3);

    const file = readFileSync(logFile, 'utf8');
    for (const key of [...handedOut, ...single, ...forAlice]) {
      const bytes = Buffer.from(key.key, 'base64');
      expect(file).not.toContain(key.key);
      expect(file).not.toContain(bytes.toString('base64url'));
      expect(file.toLowerCase()).not.toContain(bytes.toString('hex'));
    }
  });
});
