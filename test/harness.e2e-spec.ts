import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../scripts/lib/net-util';
import { KmeProcess } from './support/kme-harness';
import { E2E_PKI_DIR } from './support/e2e-paths';

/**
 * The e2e harness itself: a KME is taken as serving only when the server answering on its port
 * is that KME. Another server's answer once passed for it, and a whole file's tests then ran
 * against the wrong KME after the own one failed with EADDRINUSE.
 */
describe('the e2e harness', () => {
  let scratch: string;
  const started: KmeProcess[] = [];

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'qkd-kme-harness-'));
  });

  afterAll(async () => {
    await Promise.all(started.map((kme) => kme.stop()));
    rmSync(scratch, { recursive: true, force: true });
  });

  const masterOn = (port: number, name: string): KmeProcess =>
    new KmeProcess('master', port, {
      CA_FILE: join(E2E_PKI_DIR, 'ca.crt'),
      KME_CERT: join(E2E_PKI_DIR, 'kme-1.crt'),
      KME_KEY: join(E2E_PKI_DIR, 'kme-1.key'),
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:9',
      PORT: String(port),
      DATA_DIR: join(scratch, name),
      LOG_LEVEL: 'warn',
    });

  it('does not take another KME serving on the port for the one it started', async () => {
    const port = await findFreePort();
    const first = masterOn(port, 'first');
    await first.start();
    started.push(first);

    const second = masterOn(port, 'second');
    await expect(second.start()).rejects.toThrow(/exited with 1[\s\S]*EADDRINUSE/);
  });
});
