import { join } from 'node:path';
import { KmeProcess } from './support/kme-harness';
import { E2E_PKI_DIR } from './support/e2e-paths';

/** A KME with a bad environment must refuse to start, naming the variable and the rule. */
describe('a misconfigured KME', () => {
  const base = {
    CA_FILE: join(E2E_PKI_DIR, 'ca.crt'),
    KME_CERT: join(E2E_PKI_DIR, 'kme-1.crt'),
    KME_KEY: join(E2E_PKI_DIR, 'kme-1.key'),
    AMQP_URL: 'amqp://guest:guest@127.0.0.1:9',
    PORT: '0',
  };

  it.each([
    ['master', { MIN_KEY_SIZE: '7' }, 'MIN_KEY_SIZE must be a positive multiple of 8'],
    ['slave', { KME_CERT: '/nonexistent/kme-2.crt' }, 'KME_CERT must name a readable PEM file'],
    ['master', { MAX_KEYS_PER_REQUEST: '0' }, 'MAX_KEYS_PER_REQUEST must be a positive integer'],
    ['slave', { LINKED_TO_KME: 'ftp://peer' }, 'LINKED_TO_KME must be an https:// URL'],
    ['master', { DEFAULT_KEY_SIZE: '2048' }, 'DEFAULT_KEY_SIZE must lie between'],
  ] as const)('%s KME with %j exits non-zero: %s', async (role, env, expected) => {
    const kme = new KmeProcess(role, 0, { ...base, PORT: '1', ...env });
    kme.spawnOnly();
    expect(await kme.exitCode()).not.toBe(0);
    expect(kme.output).toContain(expected);
  });

  it('names a key file that is not PEM', async () => {
    const kme = new KmeProcess('master', 0, {
      ...base,
      PORT: '1',
      KME_KEY: join(E2E_PKI_DIR, 'sae-1.p12'),
    });
    kme.spawnOnly();
    expect(await kme.exitCode()).not.toBe(0);
    expect(kme.output).toMatch(/KME_KEY/);
  });
});
