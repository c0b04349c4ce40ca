import { X509Certificate, createPrivateKey } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import * as forge from 'node-forge';
import {
  DEFAULT_CERTS_DIR,
  DEFAULT_PKI_NAMES,
  DEV_CA_COMMON_NAME,
  DEV_P12_PASSWORD,
  OPERATOR_CERT_NAME,
  SAE_URI_PREFIX,
  ensureDevPki,
  leafFiles,
  makeForeignClientCert,
  normalizeHosts,
  saeUri,
  type PkiFile,
} from './pki';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const CLIENTS = ['sae-1', 'sae-2', 'sae-3', 'operator'];

/**
 * A certificate's subjectAltName as node:crypto prints it, split into entries, IP addresses in
 * their canonical form (Node versions print IPv6 differently).
 */
function altNamesOf(certificate: X509Certificate): string[] {
  return (certificate.subjectAltName ?? '').split(', ').map((entry) => {
    const ip = /^IP Address:(.*)$/.exec(entry)?.[1];
    if (ip === undefined || isIP(ip) !== 6) return entry;
    return `IP Address:${new URL(`http://[${ip}]`).hostname.slice(1, -1)}`;
  });
}

const kmeAltNames = (name: string, dns: string[] = [], ips: string[] = []) => [
  `DNS:${name}`,
  'DNS:localhost',
  ...dns.map((host) => `DNS:${host}`),
  'IP Address:127.0.0.1',
  'IP Address:::1',
  ...ips.map((ip) => `IP Address:${ip}`),
];

const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const modeOf = (path: string) => statSync(path).mode & 0o777;
const ownerOf = (path: string) => {
  const { uid, gid } = statSync(path);
  return { uid, gid };
};

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
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the CA, the default pair, the operator and the extra names, keys readable by the owner only', () => {
    expect(statuses(first)).toEqual(
      Object.fromEntries(
        [
          ...['ca', 'kme-1', 'kme-2', 'kme-3'].flatMap((n) => [`${n}.crt`, `${n}.key`]),
          ...CLIENTS.flatMap((n) => [`${n}.crt`, `${n}.key`, `${n}.p12`]),
        ].map((file) => [file, 'written']),
      ),
    );
    for (const { path } of first) {
      const secret = /\.(key|p12)$/.test(path);
      expect([path, modeOf(path)]).toEqual([path, secret ? 0o600 : 0o644]);
    }
    // Written through a temporary file renamed into place: none is left behind.
    expect(readdirSync(dir).filter((file) => file.endsWith('.tmp'))).toEqual([]);
  });

  it('always makes the operator certificate, even when other names are asked for', () => {
    expect(DEFAULT_PKI_NAMES).toContain(OPERATOR_CERT_NAME);
    expect(OPERATOR_CERT_NAME).toBe('operator');
    expect(leafFiles(dir, 'operator').map((path) => path.slice(dir.length + 1))).toEqual([
      'operator.crt',
      'operator.key',
      'operator.p12',
    ]);
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
    expect(altNamesOf(leaf)).toEqual(kmeAltNames(name));
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

  it.each(CLIENTS)('makes %s a client-only certificate named by CN and SAN URI', (name) => {
    const leaf = cert(name);
    expect(leaf.subject).toBe(`CN=${name}`);
    expect(leaf.keyUsage).toEqual([CLIENT_AUTH]);
    expect(altNamesOf(leaf)).toEqual([`URI:urn:qkd:sae:${name}`]);
    expect(saeUri(name)).toBe(`${SAE_URI_PREFIX}${name}`);
    expect(leaf.verify(cert('ca').publicKey)).toBe(true);
  });

  it.each(['sae-1', 'operator'])(
    'opens %s.p12 with the password, holding the key, the certificate and the CA',
    (name) => {
      const der = readFileSync(join(dir, `${name}.p12`));
      const p12 = forge.pkcs12.pkcs12FromAsn1(
        forge.asn1.fromDer(der.toString('binary')),
        DEV_P12_PASSWORD,
      );
      const certs = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
      const names = certs.map((bag) => bag.cert?.subject.getField('CN') as { value: string });
      expect(names.map((field) => field.value)).toEqual([name, DEV_CA_COMMON_NAME]);
      const keyBag = forge.pki.oids.pkcs8ShroudedKeyBag;
      expect(p12.getBags({ bagType: keyBag })[keyBag]).toHaveLength(1);

      // OpenSSL, which SAE clients use, must read it too, and refuse a wrong password.
      expect(() =>
        tls.createSecureContext({ pfx: der, passphrase: DEV_P12_PASSWORD }),
      ).not.toThrow();
      expect(() => tls.createSecureContext({ pfx: der, passphrase: 'wrong' })).toThrow();
    },
  );

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
    expect(altNamesOf(leaf)).toEqual(['URI:urn:qkd:sae:sae-9']);
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
  }, 60_000);

  it('puts back the modes of kept files: keys 0600, certificates 0644', () => {
    chmodSync(join(dir, 'kme-1.key'), 0o644);
    chmodSync(join(dir, 'sae-1.p12'), 0o666);
    chmodSync(join(dir, 'ca.crt'), 0o600);
    const before = snapshot();
    const files = ensureDevPki({ dir, names: ['sae-3', 'kme-3'] });
    expect(files.every(({ status }) => status === 'kept')).toBe(true);
    expect(snapshot()).toEqual(before);
    expect(modeOf(join(dir, 'kme-1.key'))).toBe(0o600);
    expect(modeOf(join(dir, 'sae-1.p12'))).toBe(0o600);
    expect(modeOf(join(dir, 'ca.crt'))).toBe(0o644);
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
  }, 60_000);

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

describe('development PKI: extra KME host names', () => {
  let dir: string;
  const cert = (name: string) => new X509Certificate(readFileSync(join(dir, `${name}.crt`)));
  const written = (files: PkiFile[]) =>
    files
      .filter(({ status }) => status === 'written')
      .map(({ path }) => path.slice(dir.length + 1));
  const contents = () =>
    Object.fromEntries(
      readdirSync(dir).map((file) => [file, readFileSync(join(dir, file)).toString('base64')]),
    );

  beforeAll(() => {
    dir = tempDir('pki-hosts-spec-');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds DNS names and IP addresses to every KME certificate, and to no client one', () => {
    ensureDevPki({ dir, hosts: ['my-host', 'kme.example.org', '10.1.2.3', '2001:db8::7'] });
    for (const name of ['kme-1', 'kme-2']) {
      const leaf = cert(name);
      expect(altNamesOf(leaf)).toEqual(
        kmeAltNames(name, ['my-host', 'kme.example.org'], ['10.1.2.3', '2001:db8::7']),
      );
      expect(leaf.checkHost('my-host')).toBe('my-host');
      expect(leaf.checkIP('10.1.2.3')).toBe('10.1.2.3');
      expect(leaf.checkIP('2001:db8::7')).toBe('2001:db8::7');
    }
    for (const name of ['sae-1', 'sae-2', 'operator']) {
      expect(altNamesOf(cert(name))).toEqual([`URI:urn:qkd:sae:${name}`]);
    }
  }, 60_000);

  it('keeps every file when the same names come again, in another order, case or spelling', () => {
    const before = contents();
    const files = ensureDevPki({
      dir,
      hosts: ['2001:DB8:0::7', 'KME.example.org.', '10.1.2.3', 'my-host', 'my-host', 'localhost'],
    });
    expect(written(files)).toEqual([]);
    expect(contents()).toEqual(before);
  });

  it('reissues the KME certificates, and only them, when the names change', () => {
    const before = contents();
    const files = ensureDevPki({ dir, hosts: ['other-host'] });
    expect(written(files)).toEqual(['kme-1.crt', 'kme-1.key', 'kme-2.crt', 'kme-2.key']);
    const after = contents();
    for (const file of Object.keys(before)) {
      if (file.startsWith('kme-')) expect(after[file]).not.toBe(before[file]);
      else expect(after[file]).toBe(before[file]);
    }
    expect(altNamesOf(cert('kme-1'))).toEqual(kmeAltNames('kme-1', ['other-host']));
    expect(cert('kme-1').verify(cert('ca').publicKey)).toBe(true);
  }, 60_000);

  it('drops the extra names again when none are asked for', () => {
    const files = ensureDevPki({ dir });
    expect(written(files)).toEqual(['kme-1.crt', 'kme-1.key', 'kme-2.crt', 'kme-2.key']);
    expect(altNamesOf(cert('kme-2'))).toEqual(kmeAltNames('kme-2'));
    expect(written(ensureDevPki({ dir }))).toEqual([]);
  }, 60_000);

  it('normalizes host names and addresses, and refuses what is neither', () => {
    expect(
      normalizeHosts([' My-Host. ', '[::1]', '::ffff:10.0.0.1', '10.0.0.1', 'my-host']),
    ).toEqual(['my-host', '::1', '::ffff:a00:1', '10.0.0.1']);
    expect(normalizeHosts(['*.example.org', 'kme_1'])).toEqual(['*.example.org', 'kme_1']);
    for (const host of ['', 'two words', 'a..b', '-x', 'x-', 'https://x', 'fe80::1%eth0', 'a/b']) {
      expect(() => ensureDevPki({ dir, hosts: [host] })).toThrow(/invalid host/);
    }
  });
});

describe('development PKI: modes and owner', () => {
  const dirs: string[] = [];
  const newDir = () => {
    const dir = tempDir('pki-owner-spec-');
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('writes certificates 0644 and keys 0600 whatever the umask', () => {
    const dir = newDir();
    const umask = process.umask(0o077);
    try {
      ensureDevPki({ dir });
    } finally {
      process.umask(umask);
    }
    for (const file of readdirSync(dir)) {
      expect([file, modeOf(join(dir, file))]).toEqual([
        file,
        /\.(key|p12)$/.test(file) ? 0o600 : 0o644,
      ]);
    }
  }, 60_000);

  it('chowns nothing unless asked', () => {
    const dir = newDir();
    ensureDevPki({ dir });
    const self = { uid: process.getuid?.(), gid: process.getgid?.() };
    for (const file of readdirSync(dir))
      expect([file, ownerOf(join(dir, file))]).toEqual([file, self]);
  }, 60_000);

  const root = process.getuid?.() === 0;
  it(
    root
      ? 'gives the KMEs their files and the folder owner the rest, kept files included (as root)'
      : 'refuses to give files away without root',
    () => {
      const dir = newDir();
      const kmeUser = { uid: 4242, gid: 4343 };
      if (!root) {
        expect(() => ensureDevPki({ dir, owner: kmeUser })).toThrow(/EPERM/);
        return;
      }
      // The folder as the host user's checkout of certs/ shows in the certs container.
      const hostUser = { uid: 5151, gid: 5252 };
      chownSync(dir, hostUser.uid, hostUser.gid);
      const readByKmes = ['ca.crt', 'kme-1.crt', 'kme-1.key', 'kme-2.crt', 'kme-2.key'];
      const expectOwners = () => {
        for (const file of readdirSync(dir)) {
          const expected = readByKmes.includes(file) ? kmeUser : hostUser;
          expect([file, ownerOf(join(dir, file))]).toEqual([file, expected]);
        }
      };

      ensureDevPki({ dir, owner: kmeUser });
      expectOwners();
      for (const file of readByKmes.filter((file) => file.endsWith('.key'))) {
        expect(modeOf(join(dir, file))).toBe(0o600);
      }

      // Files written earlier by someone else (root here) are handed over on the next run.
      chownSync(join(dir, 'kme-1.key'), 0, 0);
      chownSync(join(dir, 'sae-1.key'), 0, 0);
      const again = ensureDevPki({ dir, owner: kmeUser });
      expect(again.every(({ status }) => status === 'kept')).toBe(true);
      expectOwners();

      // A reissued KME certificate goes to the KMEs too.
      expect(
        ensureDevPki({ dir, owner: kmeUser, hosts: ['my-host'] }).filter(
          ({ status }) => status === 'written',
        ),
      ).toHaveLength(4);
      expectOwners();

      // Without a gid the group stays as it is.
      ensureDevPki({ dir, owner: { uid: 4444 }, hosts: ['my-host'] });
      expect(ownerOf(join(dir, 'kme-1.key'))).toEqual({ uid: 4444, gid: kmeUser.gid });
    },
    60_000,
  );
});
