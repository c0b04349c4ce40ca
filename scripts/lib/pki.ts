import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as forge from 'node-forge';

/** Password of every generated PKCS#12 file. A development PKI only: never reuse it. */
export const DEV_P12_PASSWORD = 'changeit';

export const DEV_CA_COMMON_NAME = 'QKD KME simulator dev CA';

/** What `npm run certs` makes without arguments: the laptop and compose pair and one SAE each. */
export const DEFAULT_PKI_NAMES: readonly string[] = ['kme-1', 'kme-2', 'sae-1', 'sae-2'];

/** `certs/` at the repository root, wherever the script is started from. */
export const DEFAULT_CERTS_DIR = resolve(__dirname, '..', '..', 'certs');

export type CertKind = 'kme' | 'sae';

export interface PkiOptions {
  dir: string;
  /** Leaf certificates to ensure besides the CA; DEFAULT_PKI_NAMES when omitted. */
  names?: readonly string[];
  /** Regenerate everything, the CA included, even where files exist. */
  force?: boolean;
}

export interface PkiFile {
  path: string;
  status: 'written' | 'kept';
}

export interface ForeignClientCert {
  certFile: string;
  keyFile: string;
  caFile: string;
  certPem: string;
  keyPem: string;
  caPem: string;
}

interface Issuer {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  certPem: string;
  keyPem: string;
}

interface KeyPair {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
  /** PKCS#8, as node writes it; what a KME or SAE loads. */
  privateKeyPem: string;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A name starting with `kme-` is a KME (server and client); anything else is an SAE (client). */
export function certKind(name: string): CertKind {
  return name.startsWith('kme-') ? 'kme' : 'sae';
}

/** Files a name owns in the PKI directory. */
export function leafFiles(dir: string, name: string): string[] {
  const files = [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
  if (certKind(name) === 'sae') files.push(join(dir, `${name}.p12`));
  return files;
}

/**
 * Makes sure `dir` holds the CA and one certificate per name, all signed by that CA. Existing files
 * are kept unless `force`, or unless they no longer fit (missing sibling, CA replaced), so a second
 * run changes nothing.
 */
export function ensureDevPki({
  dir,
  names = DEFAULT_PKI_NAMES,
  force = false,
}: PkiOptions): PkiFile[] {
  const wanted = [...new Set([...DEFAULT_PKI_NAMES, ...names])];
  for (const name of wanted) {
    if (!NAME_PATTERN.test(name) || name === 'ca' || name.startsWith('foreign-')) {
      throw new Error(
        `invalid certificate name "${name}": letters, digits, . _ -; not ca or foreign-*`,
      );
    }
  }
  mkdirSync(dir, { recursive: true });

  const results: PkiFile[] = [];
  const caCrt = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  let ca = force ? undefined : loadIssuer(caCrt, caKey);
  const caIsNew = ca === undefined;
  if (ca === undefined) {
    ca = createCa(DEV_CA_COMMON_NAME);
    writePublic(caCrt, ca.certPem);
    writeSecret(caKey, ca.keyPem);
  }
  results.push(...[caCrt, caKey].map((path) => ({ path, status: status(caIsNew) })));

  for (const name of wanted) {
    const files = leafFiles(dir, name);
    const keep = !caIsNew && files.every((file) => existsSync(file)) && fits(files, ca);
    if (!keep) writeLeaf(dir, name, ca);
    results.push(...files.map((path) => ({ path, status: status(!keep) })));
  }
  return results;
}

/**
 * A client certificate for `cn` from a throwaway CA that nothing trusts: what an attacker holding a
 * valid-looking certificate presents. Written as `foreign-<cn>.crt/.key` and `foreign-ca.crt` so it
 * never replaces a trusted certificate of the same name.
 */
export function makeForeignClientCert(dir: string, cn: string): ForeignClientCert {
  mkdirSync(dir, { recursive: true });
  const ca = createCa(`${DEV_CA_COMMON_NAME} (foreign, untrusted)`);
  const keys = newKeyPair();
  const certPem = forge.pki.certificateToPem(issueLeaf(cn, 'sae', keys, ca));
  const result: ForeignClientCert = {
    certFile: join(dir, `foreign-${cn}.crt`),
    keyFile: join(dir, `foreign-${cn}.key`),
    caFile: join(dir, 'foreign-ca.crt'),
    certPem,
    keyPem: keys.privateKeyPem,
    caPem: ca.certPem,
  };
  writePublic(result.certFile, certPem);
  writeSecret(result.keyFile, keys.privateKeyPem);
  writePublic(result.caFile, ca.certPem);
  return result;
}

function status(written: boolean): PkiFile['status'] {
  return written ? 'written' : 'kept';
}

function loadIssuer(certFile: string, keyFile: string): Issuer | undefined {
  if (!existsSync(certFile) || !existsSync(keyFile)) return undefined;
  const certPem = readFileSync(certFile, 'utf8');
  const keyPem = readFileSync(keyFile, 'utf8');
  return {
    cert: forge.pki.certificateFromPem(certPem),
    key: forge.pki.privateKeyFromPem(keyPem),
    certPem,
    keyPem,
  };
}

/** An existing leaf is kept only if the current CA signed it and its key file matches it. */
function fits([certFile, keyFile]: string[], ca: Issuer): boolean {
  try {
    const leaf = new X509Certificate(readFileSync(certFile));
    return (
      leaf.verify(new X509Certificate(ca.certPem).publicKey) &&
      leaf.checkPrivateKey(createPrivateKey(readFileSync(keyFile)))
    );
  } catch {
    return false;
  }
}

function writeLeaf(dir: string, name: string, ca: Issuer): void {
  const kind = certKind(name);
  const keys = newKeyPair();
  const cert = issueLeaf(name, kind, keys, ca);
  writePublic(join(dir, `${name}.crt`), forge.pki.certificateToPem(cert));
  writeSecret(join(dir, `${name}.key`), keys.privateKeyPem);
  if (kind === 'sae') {
    // 3DES rather than forge's AES default: older Java, macOS and Windows SAE clients read it.
    const p12 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert, ca.cert], DEV_P12_PASSWORD, {
      algorithm: '3des',
      friendlyName: name,
      generateLocalKeyId: true,
    });
    writeSecret(join(dir, `${name}.p12`), Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'));
  }
}

// Node generates the RSA keys natively; forge alone takes seconds per 2048-bit key.
function newKeyPair(): KeyPair {
  const { privateKey: privateKeyPem } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const privateKey = forge.pki.privateKeyFromPem(privateKeyPem);
  return {
    privateKey,
    publicKey: forge.pki.setRsaPublicKey(privateKey.n, privateKey.e),
    privateKeyPem,
  };
}

function createCa(commonName: string): Issuer {
  const keys = newKeyPair();
  const cert = baseCertificate(commonName, keys.publicKey, 10 * 365);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return {
    cert,
    key: keys.privateKey,
    certPem: forge.pki.certificateToPem(cert),
    keyPem: keys.privateKeyPem,
  };
}

function issueLeaf(name: string, kind: CertKind, keys: KeyPair, ca: Issuer): forge.pki.Certificate {
  const cert = baseCertificate(name, keys.publicKey, 2 * 365);
  cert.setIssuer(ca.cert.subject.attributes);
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    // A KME serves HTTPS and is also the client of its peer KME; an SAE is only ever a client.
    { name: 'extKeyUsage', serverAuth: kind === 'kme', clientAuth: true },
    { name: 'subjectKeyIdentifier' },
    {
      name: 'authorityKeyIdentifier',
      keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes(),
    },
  ];
  if (kind === 'kme') {
    // The KME's own compose service name (which is its ID) plus the names a laptop run uses.
    extensions.push({
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: name },
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    });
  }
  cert.setExtensions(extensions);
  cert.sign(ca.key, forge.md.sha256.create());
  return cert;
}

function baseCertificate(
  commonName: string,
  publicKey: forge.pki.rsa.PublicKey,
  days: number,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialNumber();
  // Back-dated a day so a container whose clock lags still accepts a fresh certificate.
  const now = Date.now();
  cert.validity.notBefore = new Date(now - DAY_MS);
  cert.validity.notAfter = new Date(now + days * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  return cert;
}

/** 16 random bytes, positive and without a leading zero byte, as DER requires. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes.toString('hex');
}

function writePublic(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o644 });
}

function writeSecret(path: string, content: string | Buffer): void {
  writeFileSync(path, content, { mode: 0o600 });
  // The mode option only applies when the file is created; --force must tighten old files too.
  chmodSync(path, 0o600);
}
