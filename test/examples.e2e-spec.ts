import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryOfExample } from './support/e2e-paths';
import {
  FOUR_SAE_PAIR,
  decKeys,
  encKeys,
  encPath,
  expect200,
  expectEtsiError,
  expectKeyContainer,
  statusPath,
  type EtsiKey,
  type Status,
} from './support/etsi';
import { KmeTestPair, type HttpAnswer, type HttpsClient } from './support/kme-harness';
import { FAST_LINK_ENV, pollUntil } from './support/relay';

/** What helmet adds to every answer with its defaults (a few of them). */
function expectHelmetHeaders(answer: HttpAnswer): void {
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(answer.headers['x-frame-options']).toBe('SAMEORIGIN');
  expect(String(answer.headers['strict-transport-security'])).toMatch(/max-age=\d+/);
  expect(String(answer.headers['content-security-policy'])).toContain("default-src 'self'");
}

const bytesOf = (keys: readonly EtsiKey[]): Buffer[] =>
  keys.map((key) => Buffer.from(key.key, 'base64'));

/**
 * examples/hardened-master: MasterKmeModule inside an application with helmet, a per-SAE rate
 * limit from @nestjs/throttler and a controller of its own, paired with the stock slave KME.
 */
describe('example: hardened master KME (helmet, per-SAE rate limit, own controller)', () => {
  const LIMIT = 30;
  let pair: KmeTestPair;
  let sae1: HttpsClient;
  let sae2: HttpsClient;
  let sae3: HttpsClient;
  let sae4: HttpsClient;

  beforeAll(async () => {
    pair = await KmeTestPair.start({
      ...FOUR_SAE_PAIR,
      env: FAST_LINK_ENV,
      masterEnv: { ...FOUR_SAE_PAIR.masterEnv, SAE_RATE_LIMIT: String(LIMIT) },
      masterEntry: entryOfExample('hardened-master'),
    });
    // Waits at the slave KME only: status requests at the master KME count against sae-1's limit.
    const atSlave = pair.client('slave', 'sae-2');
    await pollUntil('keys at both KMEs', 30_000, async () => {
      const answer = await atSlave.get<Status>(statusPath('sae-1'));
      return answer.status === 200 && answer.body.stored_key_count >= 100 ? true : undefined;
    });
    sae1 = pair.client('master', 'sae-1');
    sae2 = pair.client('slave', 'sae-2');
    sae3 = pair.client('master', 'sae-3');
    sae4 = pair.client('slave', 'sae-4');
  });

  afterAll(() => pair?.stop());

  it('serves status with the KME settings, and helmet headers on the answer', async () => {
    const answer = await sae1.get<Status>(statusPath('sae-2'));
    expect200(answer);
    expect(answer.body).toMatchObject({
      source_KME_ID: 'kme-1',
      target_KME_ID: 'kme-2',
      master_SAE_ID: 'sae-1',
      slave_SAE_ID: 'sae-2',
    });
    expectHelmetHeaders(answer);
  });

  it('enc_keys at the master KME, dec_keys at the slave KME: identical keys', async () => {
    const answer = await sae1.post(encPath('sae-2'), { number: 3, size: 256 });
    expectHelmetHeaders(answer);
    const issued = expectKeyContainer(answer, 3, 256);
    const fetched = await decKeys(
      sae2,
      'sae-1',
      issued.map((key) => key.key_ID),
    );
    expect(fetched).toEqual(issued);
  });

  it('enc_keys at the slave KME, dec_keys at the master KME: identical keys', async () => {
    const issued = await encKeys(sae2, 'sae-1', { number: 2 });
    const answer = await sae1.post(`/api/v1/keys/sae-2/dec_keys`, {
      key_IDs: issued.map((key) => ({ key_ID: key.key_ID })),
    });
    expectHelmetHeaders(answer);
    expect(expectKeyContainer(answer, 2, 128)).toEqual(issued);
  });

  it("answers the application's own controller without a client certificate", async () => {
    const anonymous = pair.client('master', undefined);
    const answer = await anonymous.get('/example/info');
    expect200(answer);
    expect(answer.body).toEqual({ kmeId: 'kme-1', role: 'master' });
    expectHelmetHeaders(answer);
  });

  it('refuses an SAE over its limit with 429 and an ETSI Error body, and only that SAE', async () => {
    // sae-1 made a few requests above; LIMIT more within the minute must cross the limit.
    const answers: HttpAnswer[] = [];
    for (let i = 0; i < LIMIT; i++) answers.push(await sae1.get(statusPath('sae-2')));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    const first429 = statuses.indexOf(429);
    expect(first429).toBeGreaterThan(0);
    // Once over, it stays refused for the rest of the window.
    expect(statuses.slice(first429).every((status) => status === 429)).toBe(true);
    const refused = answers[first429];
    expectEtsiError(refused, 429, 'ThrottlerException: Too Many Requests');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expectHelmetHeaders(refused);
    expectEtsiError(await sae1.post(encPath('sae-2'), { number: 1 }), 429);

    // Another SAE of the same KME is not limited, and the link (KME-to-KME calls) still works.
    const issued = await encKeys(sae3, 'sae-4', { number: 2 });
    expect(
      await decKeys(
        sae4,
        'sae-3',
        issued.map((key) => key.key_ID),
      ),
    ).toEqual(issued);
    const fromSlave = await encKeys(sae4, 'sae-3', { number: 1 });
    expect(await decKeys(sae3, 'sae-4', [fromSlave[0].key_ID])).toEqual(fromSlave);
  });

  it('keeps serving after the refusals', async () => {
    expect200(await sae3.get(statusPath('sae-4')));
    expect200(await pair.client('master', undefined).get('/health/live'));
    expect200(await pair.client('master', undefined).get('/example/info'));
  });
});

/**
 * examples/file-key-master: the master KME's material from FileKeySource, given in code, with the
 * stock slave KME. Keys are exactly the files' bytes, in name order, each byte once.
 */
describe('example: master KME fed from key files', () => {
  const KEY_BITS = 256;
  const KEY_BYTES = KEY_BITS / 8;
  // Sizes not multiples of a key, so that keys straddle the files' boundaries.
  const files = [
    { name: 'a.bin', bytes: randomBytes(1000) },
    { name: 'b.bin', bytes: randomBytes(777) },
    { name: 'c.bin', bytes: randomBytes(1313) },
  ];
  const added = { name: 'd.bin', bytes: randomBytes(333) };
  let stream = Buffer.concat(files.map((file) => file.bytes));
  let keyDir: string;
  let pair: KmeTestPair;
  let sae1: HttpsClient;
  let sae2: HttpsClient;
  /** Bytes of the stream handed out so far, in order. */
  let offset = 0;

  /** The next `count` keys of `bits` the stream must yield, moving the offset past them. */
  function nextFromStream(count: number, bits: number): Buffer[] {
    const keys: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      keys.push(stream.subarray(offset, offset + bits / 8));
      offset += bits / 8;
    }
    return keys;
  }

  /** Waits until the master KME holds every byte of the files not handed out yet. */
  async function waitForAllMaterial(): Promise<void> {
    const want = Math.floor((stream.length - offset) / KEY_BYTES);
    await pollUntil(`${want} keys of material at both KMEs`, 30_000, async () => {
      const [m, s] = await Promise.all([
        sae1.get<Status>(statusPath('sae-2')),
        sae2.get<Status>(statusPath('sae-1')),
      ]);
      return m.body.stored_key_count >= want && s.body.stored_key_count >= want ? true : undefined;
    });
  }

  /** Both KMEs ready: broker, store, and the link synchronised again. */
  async function waitUntilReady(): Promise<void> {
    const probes = [pair.client('master', undefined), pair.client('slave', undefined)];
    await pollUntil('both KMEs ready', 30_000, async () => {
      const answers = await Promise.all(probes.map((probe) => probe.get('/health/ready')));
      return answers.every((answer) => answer.status === 200) ? true : undefined;
    });
  }

  beforeAll(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'qkd-kme-e2e-key-files-'));
    // Written in reverse order of their names: the order is the names', not the files'.
    for (const file of [...files].reverse()) writeFileSync(join(keyDir, file.name), file.bytes);
    writeFileSync(join(keyDir, '.hidden'), randomBytes(64));
    pair = await KmeTestPair.start({
      env: { DEFAULT_KEY_SIZE: String(KEY_BITS), MAX_KEY_COUNT: '1000' },
      masterEnv: { KEY_FILES_DIR: keyDir },
      masterEntry: entryOfExample('file-key-master'),
    });
    sae1 = pair.client('master', 'sae-1');
    sae2 = pair.client('slave', 'sae-2');
    await waitForAllMaterial();
  });

  afterAll(async () => {
    await pair?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('hands out the bytes of the files in name order, from the start', async () => {
    const first = await encKeys(sae1, 'sae-2', { number: 10, size: KEY_BITS });
    expect(bytesOf(first)).toEqual(nextFromStream(10, KEY_BITS));
    const more = await encKeys(sae1, 'sae-2', { number: 20, size: 512 });
    expect(bytesOf(more)).toEqual(nextFromStream(20, 512));
    expect(offset).toBeGreaterThan(files[0].bytes.length);

    // The slave KME serves the same bytes for those IDs.
    const ids = [...first, ...more].map((key) => key.key_ID);
    expect(await decKeys(sae2, 'sae-1', ids)).toEqual([...first, ...more]);
  });

  it('gives enc_keys at the slave KME the bytes that follow', async () => {
    const issued = await encKeys(sae2, 'sae-1', { number: 30, size: KEY_BITS });
    expect(bytesOf(issued)).toEqual(nextFromStream(30, KEY_BITS));
    expect(offset).toBeGreaterThan(files[0].bytes.length + files[1].bytes.length);
    expect(
      await decKeys(
        sae1,
        'sae-2',
        issued.map((key) => key.key_ID),
      ),
    ).toEqual(issued);
  });

  it('continues after a restart of the master KME where the files left off', async () => {
    await pair.master.stop();
    await pair.master.start();
    await waitUntilReady();
    await waitForAllMaterial();
    const issued = await encKeys(sae1, 'sae-2', { number: 5, size: KEY_BITS });
    expect(bytesOf(issued)).toEqual(nextFromStream(5, KEY_BITS));
    expect(
      await decKeys(
        sae2,
        'sae-1',
        issued.map((key) => key.key_ID),
      ),
    ).toEqual(issued);
  });

  it('answers 503 when the files are used up, and continues with a file added', async () => {
    const left = Math.floor((stream.length - offset) / KEY_BYTES);
    const rest = await encKeys(sae1, 'sae-2', { number: left, size: KEY_BITS });
    expect(bytesOf(rest)).toEqual(nextFromStream(left, KEY_BITS));
    expect(stream.length - offset).toBeLessThan(KEY_BYTES);
    const exhausted = /^not enough key material/;
    expectEtsiError(
      await sae1.post(encPath('sae-2'), { number: 1, size: KEY_BITS }),
      503,
      exhausted,
    );
    expectEtsiError(
      await sae2.post(encPath('sae-1'), { number: 1, size: KEY_BITS }),
      503,
      exhausted,
    );

    // A file whose name sorts last: its bytes follow the few that were left.
    writeFileSync(join(keyDir, added.name), added.bytes);
    stream = Buffer.concat([stream, added.bytes]);
    const answer = await pollUntil('a key from the added file', 30_000, async () => {
      const attempt = await sae1.post(encPath('sae-2'), { number: 1, size: KEY_BITS });
      if (attempt.status === 503) return undefined;
      return attempt;
    });
    const [key] = expectKeyContainer(answer, 1, KEY_BITS);
    expect(bytesOf([key])).toEqual(nextFromStream(1, KEY_BITS));
    expect(await decKeys(sae2, 'sae-1', [key.key_ID])).toEqual([key]);
  });
});
