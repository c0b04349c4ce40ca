import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import * as forge from 'node-forge';
import {
  DEFAULT_CERTS_DIR,
  DEV_CA_COMMON_NAME,
  DEV_P12_PASSWORD,
  ensureDevPki,
  makeForeignClientCert,
  type PkiFile,
} from './pki';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

describe('development PKI', () => {
  let dir: string;
  let first: PkiFile[];
  const cert = (name: string) => new X509Certificate(readFileSync(join(dir, `${name}.crt`)));
  const snapshot = () =>
    Object.fromEntries(first.map(({ path }) => [path, readFileSync(path).toString('base64')]));
  const statuses = (files: PkiFile[]) =>
    Object.fromEntries(files.map(({ path, status }) => [path.slice(dir.length + 1), status]));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pki-spec-'));
    first = ensureDevPki({ dir, names: ['sae-3', 'kme-3'] });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the CA, the default pair and the extra names, keys readable by the owner only', () => {
    expect(statuses(first)).toEqual(
      Object.fromEntries(
        [
          ...['ca', 'kme-1', 'kme-2', 'kme-3'].flatMap((n) => [`${n}.crt`, `${n}.key`]),
          ...['sae-1', 'sae-2', 'sae-3'].flatMap((n) => [`${n}.crt`, `${n}.key`, `${n}.p12`]),
        ].map((file) => [file, 'written']),
      ),
    );
    for (const { path } of first) {
      const secret = /\.(key|p12)$/.test(path);
      expect([path, statSync(path).mode & 0o777]).toEqual([path, secret ? 0o600 : 0o644]);
    }
  });

  it('makes a self-signed CA', () => {
    const ca = cert('ca');
    expect(ca.subject).toBe(`CN=${DEV_CA_COMMON_NAME}`);
    expect(ca.issuer).toBe(ca.subject);
    expect(ca.ca).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
  });

  it.each(['kme-1', 'kme-2', 'kme-3'])('makes %s a server and client certificate', (name) => {
    const leaf = cert(name);
    const other = name === 'kme-1' ? 'kme-2' : 'kme-1';
    expect(leaf.subject).toBe(`CN=${name}`);
    expect(leaf.ca).toBe(false);
    expect(leaf.keyUsage).toEqual(expect.arrayContaining([SERVER_AUTH, CLIENT_AUTH]));
    expect(leaf.checkHost(name)).toBe(name);
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    // Hostname checks alone must keep one KME from posing as the other.
    expect(leaf.checkHost(other)).toBeUndefined();
    expect(leaf.verify(cert('ca').publicKey)).toBe(true);
    expect(leaf.checkIssued(cert('ca'))).toBe(true);
    expect(leaf.checkPrivateKey(createPrivateKey(readFileSync(join(dir, `${name}.key`))))).toBe(
      true,
    );
  });

  it.each(['sae-1', 'sae-2', 'sae-3'])('makes %s a client-only certificate', (name) => {
    const leaf = cert(name);
    expect(leaf.subject).toBe(`CN=${name}`);
    expect(leaf.keyUsage).toEqual([CLIENT_AUTH]);
    expect(leaf.subjectAltName).toBeUndefined();
    expect(leaf.verify(cert('ca').publicKey)).toBe(true);
  });

  it('opens each .p12 with the password, holding the key, the certificate and the CA', () => {
    const der = readFileSync(join(dir, 'sae-1.p12'));
    const p12 = forge.pkcs12.pkcs12FromAsn1(
      forge.asn1.fromDer(der.toString('binary')),
      DEV_P12_PASSWORD,
    );
    const certs = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
    const names = certs.map((bag) => bag.cert?.subject.getField('CN') as { value: string });
    expect(names.map((field) => field.value)).toEqual(['sae-1', DEV_CA_COMMON_NAME]);
    const keyBag = forge.pki.oids.pkcs8ShroudedKeyBag;
    expect(p12.getBags({ bagType: keyBag })[keyBag]).toHaveLength(1);

    // OpenSSL, which SAE clients use, must read it too, and refuse a wrong password.
    expect(() => tls.createSecureContext({ pfx: der, passphrase: DEV_P12_PASSWORD })).not.toThrow();
    expect(() => tls.createSecureContext({ pfx: der, passphrase: 'wrong' })).toThrow();
  });

  it('lets an SAE complete mutual TLS with a KME, and refuses a foreign client certificate', async () => {
    const read = (file: string) => readFileSync(join(dir, file));
    const server = tls.createServer({
      cert: read('kme-1.crt'),
      key: read('kme-1.key'),
      ca: read('ca.crt'),
      requestCert: true,
      rejectUnauthorized: false,
    });
    const seen: { authorized: boolean; cn: unknown }[] = [];
    server.on('secureConnection', (socket) => {
      seen.push({ authorized: socket.authorized, cn: socket.getPeerCertificate().subject?.CN });
      socket.end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };
    const connect = (certPem: Buffer | string, keyPem: Buffer | string) =>
      new Promise<void>((done, fail) => {
        const socket = tls.connect({
          port,
          host: '127.0.0.1',
          servername: 'kme-1',
          ca: read('ca.crt'),
          cert: certPem,
          key: keyPem,
        });
        socket.on('error', fail);
        socket.on('secureConnect', () => socket.on('end', done).resume());
      });
    try {
      await connect(read('sae-1.crt'), read('sae-1.key'));
      const foreign = makeForeignClientCert(dir, 'sae-1');
      await connect(foreign.certPem, foreign.keyPem);
    } finally {
      server.close();
    }
    expect(seen).toEqual([
      { authorized: true, cn: 'sae-1' },
      { authorized: false, cn: 'sae-1' },
    ]);
  });

  it('makes a foreign client certificate that the dev CA does not sign, without touching the PKI', () => {
    const before = snapshot();
    const foreign = makeForeignClientCert(dir, 'sae-9');
    const leaf = new X509Certificate(readFileSync(foreign.certFile));
    expect(foreign.certFile).toBe(join(dir, 'foreign-sae-9.crt'));
    expect(leaf.subject).toBe('CN=sae-9');
    expect(leaf.keyUsage).toEqual([CLIENT_AUTH]);
    expect(leaf.verify(cert('ca').publicKey)).toBe(false);
    expect(leaf.verify(new X509Certificate(readFileSync(foreign.caFile)).publicKey)).toBe(true);
    expect(statSync(foreign.keyFile).mode & 0o777).toBe(0o600);
    expect(snapshot()).toEqual(before);
  });

  it('keeps every file byte for byte on a second run', () => {
    const before = snapshot();
    const again = ensureDevPki({ dir, names: ['sae-3', 'kme-3'] });
    expect(again.map(({ path }) => path)).toEqual(first.map(({ path }) => path));
    expect(again.every(({ status }) => status === 'kept')).toBe(true);
    expect(snapshot()).toEqual(before);
  });

  it('rewrites only the certificate whose files went missing', () => {
    const before = snapshot();
    unlinkSync(join(dir, 'sae-2.p12'));
    const files = statuses(ensureDevPki({ dir, names: ['sae-3', 'kme-3'] }));
    expect(Object.keys(files).filter((file) => files[file] === 'written')).toEqual([
      'sae-2.crt',
      'sae-2.key',
      'sae-2.p12',
    ]);
    const after = snapshot();
    for (const path of Object.keys(before).filter((p) => !p.includes('sae-2.'))) {
      expect(after[path]).toBe(before[path]);
    }
    expect(cert('sae-2').verify(cert('ca').publicKey)).toBe(true);
  });

  it('regenerates everything, the CA included, with force', () => {
    const before = snapshot();
    const oldCa = cert('ca');
    const files = ensureDevPki({ dir, names: ['sae-3', 'kme-3'], force: true });
    expect(files.every(({ status }) => status === 'written')).toBe(true);
    const after = snapshot();
    for (const path of Object.keys(before)) expect(after[path]).not.toBe(before[path]);
    expect(cert('kme-1').verify(cert('ca').publicKey)).toBe(true);
    expect(cert('kme-1').verify(oldCa.publicKey)).toBe(false);
  });

  it('refuses names that are not plain IDs or would overwrite the CA', () => {
    for (const name of ['ca', '../sae-1', 'sae 1', '', '.hidden', 'foreign-sae-1']) {
      expect(() => ensureDevPki({ dir, names: [name] })).toThrow(/invalid certificate name/);
    }
  });

  it('defaults to certs/ at the repository root', () => {
    expect(DEFAULT_CERTS_DIR).toBe(join(__dirname, '..', '..', 'certs'));
    expect(statSync(join(DEFAULT_CERTS_DIR, 'README.md')).isFile()).toBe(true);
  });
});
