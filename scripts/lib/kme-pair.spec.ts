import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pki } from 'node-forge';
import { KmePair, readyMessage, type KmePairOptions } from './kme-pair';
import { KME_RUNTIME_ENV } from './kme-runtime-env';
import { findFreePorts } from './net-util';

/** A self-signed certificate for localhost, enough for a fake KME's https. */
function selfSigned(): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = pki.createCertificate();
  cert.publicKey = pki.publicKeyFromPem(
    publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 3_600_000);
  const subject = [{ name: 'commonName', value: 'localhost' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(pki.privateKeyFromPem(key));
  return { key, cert: pki.certificateToPem(cert) };
}

// Stands in for dist/apps/*/main.js: https on PORT, docs-json answers 200.
const FAKE_KME = `
const https = require('node:https');
const { key, cert } = JSON.parse(process.env.FAKE_TLS);
if (process.env.FAKE_IGNORE_TERM) process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
https
  .createServer({ key, cert }, (req, res) => {
    res.writeHead(req.url === '/api/docs-json' ? 200 : 404).end('{}');
  })
  .listen(Number(process.env.PORT), () => {
    console.log('listening on ' + process.env.PORT + ' with ' + process.env.AMQP_URL);
    console.log('mmap threshold ' + process.env.MALLOC_MMAP_THRESHOLD_);
    console.error('partial line without newline');
  });
`;
const DYING_KME = `console.log('about to fail'); setTimeout(() => process.exit(3), 200);`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('KmePair', () => {
  let dir: string;
  let tls: string;
  let output: string;
  let pair: KmePair | undefined;

  beforeAll(() => {
    tls = JSON.stringify(selfSigned());
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kme-pair-'));
    writeFileSync(join(dir, 'fake-kme.js'), FAKE_KME);
    writeFileSync(join(dir, 'dying-kme.js'), DYING_KME);
    output = '';
    pair = undefined;
  });

  afterEach(async () => {
    pair?.kill();
    await pair?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function makePair(
    entries: [string, string],
    extra: Partial<KmePairOptions> = {},
  ): Promise<{ pair: KmePair; ports: number[] }> {
    const ports = await findFreePorts(2);
    pair = new KmePair({
      kmes: [
        { label: 'kme-1', entry: join(dir, entries[0]), port: ports[0] },
        { label: 'kme-2', entry: join(dir, entries[1]), port: ports[1] },
      ],
      amqpUrl: 'amqp://guest:guest@localhost:1',
      cwd: dir,
      env: { ...process.env, FAKE_TLS: tls },
      readyTimeoutMs: 15_000,
      write: (text) => (output += text),
      ...extra,
    });
    return { pair, ports };
  }

  it('starts both KMEs with PORT and AMQP_URL, prefixes their lines, and stops them', async () => {
    const { pair, ports } = await makePair(['fake-kme.js', 'fake-kme.js']);
    pair.start();
    await pair.waitReady();
    const pids = pair.pids;
    expect(pids).toHaveLength(2);

    const stopped = await pair.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(stopped.map(({ label, outcome }) => [label, outcome.escalated])).toEqual([
      ['kme-1', false],
      ['kme-2', false],
    ]);
    expect(output).toContain(
      `[kme-1] listening on ${ports[0]} with amqp://guest:guest@localhost:1\n`,
    );
    expect(output).toContain(
      `[kme-2] listening on ${ports[1]} with amqp://guest:guest@localhost:1\n`,
    );
    expect(output).toContain('[kme-2] partial line without newline\n');
    expect(output).not.toContain('exited unexpectedly');
  }, 30_000);

  it('starts the KMEs with the runtime environment', async () => {
    const env = { ...process.env };
    delete env.MALLOC_MMAP_THRESHOLD_;
    const { pair } = await makePair(['fake-kme.js', 'fake-kme.js'], {
      env: { ...env, FAKE_TLS: tls },
    });
    pair.start();
    await pair.waitReady();
    const threshold = KME_RUNTIME_ENV.MALLOC_MMAP_THRESHOLD_;
    expect(output).toContain(`[kme-1] mmap threshold ${threshold}\n`);
    expect(output).toContain(`[kme-2] mmap threshold ${threshold}\n`);
  }, 30_000);

  it("lets the user's own environment win over the runtime environment", async () => {
    const { pair } = await makePair(['fake-kme.js', 'fake-kme.js'], {
      env: { ...process.env, FAKE_TLS: tls, MALLOC_MMAP_THRESHOLD_: '65536' },
    });
    pair.start();
    await pair.waitReady();
    expect(output).toContain('[kme-1] mmap threshold 65536\n');
  }, 30_000);

  it('kills a KME that ignores SIGTERM after the grace period', async () => {
    const { pair } = await makePair(['fake-kme.js', 'fake-kme.js'], {
      env: { ...process.env, FAKE_TLS: tls, FAKE_IGNORE_TERM: '1' },
      stopGraceMs: 300,
    });
    pair.start();
    await pair.waitReady();
    const pids = pair.pids;
    const stopped = await pair.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(output).toContain('[kme-1] ignoring SIGTERM');
    // Reported, not hidden: the launcher says so and exits 1.
    expect(stopped.map(({ label, outcome }) => [label, outcome.escalated, outcome.signal])).toEqual(
      [
        ['kme-1', true, 'SIGKILL'],
        ['kme-2', true, 'SIGKILL'],
      ],
    );
  }, 30_000);

  it('reports a KME that exits on its own and fails waitReady', async () => {
    const { pair } = await makePair(['fake-kme.js', 'dying-kme.js']);
    pair.start();
    await expect(pair.waitReady()).rejects.toThrow('kme-2 exited (code 3, signal null)');
    await expect(pair.unexpectedExit).resolves.toEqual({ label: 'kme-2', code: 3, signal: null });
    expect(output).toMatch(
      /\[kme-2\] about to fail\n(.*\n)*\[kme-2\] exited unexpectedly \(code 3/,
    );
  }, 30_000);
});

describe('readyMessage', () => {
  it('names both Swagger UIs and a working curl pair', () => {
    const text = readyMessage({ masterPort: 8000, slavePort: 9000, brokerUrl: 'amqp://x' });
    expect(text).toContain('https://localhost:8000/api/docs\n');
    expect(text).toContain('https://localhost:9000/api/docs\n');
    expect(text).toContain(
      'curl --cacert certs/ca.crt --cert certs/sae-1.crt --key certs/sae-1.key https://localhost:8000/api/v1/keys/sae-2/enc_keys',
    );
    expect(text).toContain(
      'curl --cacert certs/ca.crt --cert certs/sae-2.crt --key certs/sae-2.key "https://localhost:9000/api/v1/keys/sae-1/dec_keys?key_ID=<key_ID from above>"',
    );
  });
});
