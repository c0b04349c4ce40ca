import {
  copyFileSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
  closeSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../scripts/lib/net-util';
import { KmeProcess, KmeTestPair } from './support/kme-harness';
import { E2E_PKI_DIR } from './support/e2e-paths';
import {
  encKeys,
  decKeys,
  isErrorBody,
  issued,
  show,
  expectSameKeys,
  pollUntil,
} from './support/relay';

/**
 * The key store in bad conditions (issue 10): a KME that cannot keep its keys refuses to start,
 * naming why; one whose store fails while serving answers 503 and hands out nothing.
 */
describe('the key store in bad conditions', () => {
  let scratch: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'qkd-kme-store-conditions-'));
  });

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** One KME on its own (no broker: it serves, and refuses keys, without one). */
  const alone = async (
    role: 'master' | 'slave',
    env: Record<string, string>,
  ): Promise<KmeProcess> => {
    const port = await findFreePort();
    return new KmeProcess(role, port, {
      CA_FILE: join(E2E_PKI_DIR, 'ca.crt'),
      KME_CERT: join(E2E_PKI_DIR, role === 'master' ? 'kme-1.crt' : 'kme-2.crt'),
      KME_KEY: join(E2E_PKI_DIR, role === 'master' ? 'kme-1.key' : 'kme-2.key'),
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:9',
      PORT: String(port),
      ...env,
    });
  };

  async function refusesToStart(kme: KmeProcess, expected: RegExp): Promise<void> {
    kme.spawnOnly();
    expect(await kme.exitCode()).toBe(1);
    expect(kme.output).toMatch(expected);
  }

  it.each(['master', 'slave'] as const)(
    '%s KME: a DATA_DIR that cannot be a directory stops it at start, naming DATA_DIR',
    async (role) => {
      const file = join(scratch, `not-a-directory-${role}`);
      writeFileSync(file, 'x');
      await refusesToStart(await alone(role, { DATA_DIR: file }), new RegExp(`DATA_DIR=${file}`));
    },
  );

  it('a database that fails its integrity check is refused, never silently recreated', async () => {
    // A real store, made by a KME that ran, then damaged in the middle.
    const dataDir = join(scratch, 'damaged');
    const kme = await alone('master', { DATA_DIR: dataDir });
    await kme.start();
    await kme.stop();
    const [file] = readdirSync(dataDir).filter((name) => name.endsWith('.sqlite'));
    const path = join(dataDir, file);
    copyFileSync(path, `${path}.orig`);
    const size = statSync(path).size;
    const fd = openSync(path, 'r+');
    writeSync(
      fd,
      Buffer.alloc(4096, 0xa5),
      0,
      4096,
      Math.max(4096, Math.floor(size / 2 / 4096) * 4096),
    );
    closeSync(fd);
    await refusesToStart(
      await alone('master', { DATA_DIR: dataDir }),
      /DATA_DIR.*(damaged|integrity|malformed|corrupt)/i,
    );
    // Left as it was, for whoever looks into it.
    expect(statSync(path).size).toBe(size);
  });

  it('two KMEs pointed at one DATA_DIR: the second is refused while the first runs', async () => {
    const dataDir = join(scratch, 'shared');
    const first = await alone('master', { DATA_DIR: dataDir });
    await first.start();
    try {
      await refusesToStart(await alone('master', { DATA_DIR: dataDir }), /DATA_DIR=.*in use/i);
    } finally {
      await first.stop();
    }
  });

  it('a store that fills up (DATA_MAX_MB) answers 503 and hands out nothing', async () => {
    // The master KME's store holds its pool (640 kB) and the keys it keeps for its SAEs: enc_keys
    // at the slave KME adds 50 such keys each, until the 1 MB store is full.
    const pair = await KmeTestPair.start({
      env: { KEY_RATE_BPS: '0', MAX_KEY_COUNT: '20000', DEFAULT_KEY_SIZE: '256' },
      masterEnv: { DATA_MAX_MB: '1' },
    });
    try {
      await pair.waitForKeys(1_000);
      const enc = pair.client('slave', 'sae-2');
      const dec = pair.client('master', 'sae-1');
      const handedOut: ReturnType<typeof issued> = [];
      let refusal: Awaited<ReturnType<typeof encKeys>> | undefined;
      await pollUntil('enc_keys refused once the master KME store is full', 60_000, async () => {
        const answer = await encKeys(enc, 'sae-1', { number: 50, size: 256 });
        if (answer.status === 200) {
          handedOut.push(...issued(answer));
          return undefined;
        }
        refusal = answer;
        return true;
      });
      expect(show(refusal!)).toMatch(/^503 .*key store/);
      expect(isErrorBody(refusal!.body)).toBe(true);
      expect(handedOut.length).toBeGreaterThan(0);
      // The operator gives the store room: everything handed out before it filled up is at the
      // peer, with its bytes.
      await pair.master.stop();
      pair.master.setEnv({ DATA_MAX_MB: '' });
      await pair.master.start();
      await pair.waitForKeys(1);
      for (let i = 0; i < handedOut.length; i += 100) {
        const batch = handedOut.slice(i, i + 100);
        const answer = await decKeys(
          dec,
          'sae-2',
          batch.map((key) => key.keyId),
        );
        expect(show(answer)).toMatch(/^200 /);
        expectSameKeys(batch, issued(answer));
      }
    } finally {
      await pair.stop();
    }
  });
});
