import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { isIP } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import * as forge from 'node-forge';

/** Password of every generated PKCS#12 file. A development PKI only: never reuse it. */
export const DEV_P12_PASSWORD = 'changeit';

export const DEV_CA_COMMON_NAME = 'QKD KME simulator dev CA';

/** The client certificate of whoever drives the simulation API; a client like an SAE. */
export const OPERATOR_CERT_NAME = 'operator';

/**
 * What the PKI always holds besides the CA: the laptop and compose pair, one SAE each and the
 * operator.
 */
export const DEFAULT_PKI_NAMES: readonly string[] = [
  'kme-1',
  'kme-2',
  'sae-1',
  'sae-2',
  OPERATOR_CERT_NAME,
];

/**
 * Scheme of the URI subjectAltName of every client certificate (SAEs and the operator), read by a
 * KME started with `SAE_ID_FROM=san-uri`: `urn:qkd:sae:<SAE ID>`, the SAE ID verbatim (certificate
 * names are letters, digits, `.`, `_` and `-`, so nothing needs escaping). The CN stays the SAE ID
 * too, for KMEs that identify SAEs by CN.
 */
export const SAE_URI_PREFIX = 'urn:qkd:sae:';

export function saeUri(saeId: string): string {
  return `${SAE_URI_PREFIX}${saeId}`;
}

/**
 * The repository root, found from the nearest package.json above this file, so the default holds
 * both for `scripts/lib/pki.ts` run by ts-node and for `dist/scripts/lib/pki.js` in the image.
 */
function repositoryRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '..', '..');
  }
}

/** `certs/` at the repository root, wherever the script is started from. */
export const DEFAULT_CERTS_DIR = join(repositoryRoot(__dirname), 'certs');

/** `kme`: server and client; `sae`: client only (SAEs and the operator). */
export type CertKind = 'kme' | 'sae';

/** A uid, and a gid unless the group is to stay as it is. */
export interface FileOwner {
  uid: number;
  gid?: number;
}

export interface PkiOptions {
  dir: string;
  /** Leaf certificates to ensure besides the CA; DEFAULT_PKI_NAMES when omitted. */
  names?: readonly string[];
  /** Regenerate everything, the CA included, even where files exist. */
  force?: boolean;
  /**
   * DNS names or IP addresses that every KME certificate carries besides its ID, `localhost`,
   * `127.0.0.1` and `::1`: the names other machines reach the KMEs under. A KME certificate whose
   * names differ from these is reissued.
   */
  hosts?: readonly string[];
  /**
   * Owner of the files the KMEs read (`ca.crt`, `kme-*`), applied to kept files too: the KMEs'
   * user when root writes the PKI for containers. The other files (the CA key, the SAE and
   * operator files, which people use from the host and no KME reads) then go to the owner of
   * `dir`, so whoever owns the folder on the host can use them whatever their uid. Without it
   * nothing is chowned.
   */
  owner?: FileOwner;
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

/** A DNS or URI subjectAltName (types 2 and 6), or an IP address (type 7), as forge takes them. */
type AltName = { type: 2 | 6; value: string } | { type: 7; ip: string };

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
// Labels of letters, digits, - and _ (compose service names may hold _); a leading *. is a wildcard.
const HOST_PATTERN =
  /^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;
const DAY_MS = 24 * 60 * 60 * 1000;
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/** A name starting with `kme-` is a KME (server and client); anything else is an SAE (client). */
export function certKind(name: string): CertKind {
  return name.startsWith('kme-') ? 'kme' : 'sae';
}

/**
 * Host names as certificates carry them: DNS names lower-cased without a trailing dot, IP addresses
 * in their canonical form (`[::1]` brackets allowed), duplicates dropped. Throws on anything else.
 */
export function normalizeHosts(hosts: readonly string[]): string[] {
  const normalized = hosts.map((host) => {
    const trimmed = host.trim();
    const ip = trimmed.replace(/^\[(.*)\]$/, '$1');
    if (isIP(ip) === 4) return ip;
    if (isIP(ip) === 6 && !ip.includes('%')) return new URL(`http://[${ip}]`).hostname.slice(1, -1);
    const name = trimmed.toLowerCase().replace(/\.$/, '');
    if (name.length > 253 || !HOST_PATTERN.test(name)) {
      throw new Error(`invalid host "${host}": a DNS name or an IP address`);
    }
    return name;
  });
  return [...new Set(normalized)];
}

/** The subjectAltNames of a leaf: a KME's names and addresses, or a client's URI. */
export function leafAltNames(name: string, hosts: readonly string[] = []): AltName[] {
  if (certKind(name) === 'sae') return [{ type: 6, value: saeUri(name) }];
  // The KME's own compose service name (which is its ID), the names a laptop run uses, the extras.
  const all = normalizeHosts([name, ...LOOPBACK_NAMES, ...hosts]);
  return [
    ...all.filter((host) => isIP(host) === 0).map((value): AltName => ({ type: 2, value })),
    ...all.filter((host) => isIP(host) !== 0).map((ip): AltName => ({ type: 7, ip })),
  ];
}

/** Files a name owns in the PKI directory. */
export function leafFiles(dir: string, name: string): string[] {
  const files = [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
  if (certKind(name) === 'sae') files.push(join(dir, `${name}.p12`));
  return files;
}

/**
 * Makes sure `dir` holds the CA and one certificate per name, all signed by that CA. Existing files
 * are kept unless `force`, or unless they no longer fit (missing sibling, CA replaced, other
 * subjectAltNames), so a second run with the same options changes nothing. Modes (keys and `.p12`
 * 0600, certificates 0644) and the owner are applied to kept files too.
 */
export function ensureDevPki({
  dir,
  names = DEFAULT_PKI_NAMES,
  force = false,
  hosts = [],
  owner,
}: PkiOptions): PkiFile[] {
  const wanted = [...new Set([...DEFAULT_PKI_NAMES, ...names])];
  for (const name of wanted) {
    if (!NAME_PATTERN.test(name) || name === 'ca' || name.startsWith('foreign-')) {
      throw new Error(
        `invalid certificate name "${name}": letters, digits, . _ -; not ca or foreign-*`,
      );
    }
  }
  const extraHosts = normalizeHosts(hosts);
  mkdirSync(dir, { recursive: true });

  const results: PkiFile[] = [];
  const caCrt = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  let ca = force ? undefined : loadIssuer(caCrt, caKey);
  const caIsNew = ca === undefined;
  if (ca === undefined) {
    ca = createCa(DEV_CA_COMMON_NAME);
    writeAtomically(caCrt, ca.certPem);
    writeAtomically(caKey, ca.keyPem);
  }
  results.push(...[caCrt, caKey].map((path) => ({ path, status: status(caIsNew) })));

  for (const name of wanted) {
    const files = leafFiles(dir, name);
    const altNames = leafAltNames(name, extraHosts);
    const keep = !caIsNew && files.every((file) => existsSync(file)) && fits(files, ca, altNames);
    if (!keep) writeLeaf(dir, name, altNames, ca);
    results.push(...files.map((path) => ({ path, status: status(!keep) })));
  }

  for (const { path } of results) applyMode(path);
  if (owner !== undefined) {
    const { uid, gid } = statSync(dir);
    for (const { path } of results) {
      applyOwner(path, readByKmes(path) ? owner : { uid, gid });
    }
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
  // Client-only whatever the name, with the URI an SAE of that name would carry.
  const altNames: AltName[] = [{ type: 6, value: saeUri(cn) }];
  const certPem = forge.pki.certificateToPem(issueLeaf(cn, 'sae', altNames, keys, ca));
  const result: ForeignClientCert = {
    certFile: join(dir, `foreign-${cn}.crt`),
    keyFile: join(dir, `foreign-${cn}.key`),
    caFile: join(dir, 'foreign-ca.crt'),
    certPem,
    keyPem: keys.privateKeyPem,
    caPem: ca.certPem,
  };
  writeAtomically(result.certFile, certPem);
  writeAtomically(result.keyFile, keys.privateKeyPem);
  writeAtomically(result.caFile, ca.certPem);
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

/**
 * An existing leaf is kept only if the current CA signed it, its key file matches it and it carries
 * exactly the subjectAltNames asked for.
 */
function fits([certFile, keyFile]: string[], ca: Issuer, altNames: AltName[]): boolean {
  try {
    const pem = readFileSync(certFile);
    const leaf = new X509Certificate(pem);
    return (
      leaf.verify(new X509Certificate(ca.certPem).publicKey) &&
      leaf.checkPrivateKey(createPrivateKey(readFileSync(keyFile))) &&
      sameAltNames(forge.pki.certificateFromPem(pem.toString('utf8')), altNames)
    );
  } catch {
    return false;
  }
}

/** Compared as forge reads them, IP addresses as bytes: independent of how Node prints them. */
function sameAltNames(cert: forge.pki.Certificate, wanted: AltName[]): boolean {
  const extension: { altNames?: { type: number; value: string }[] } | undefined =
    cert.getExtension('subjectAltName');
  const have = (extension?.altNames ?? [])
    .map(({ type, value }) =>
      type === 7
        ? `7:${forge.util.bytesToHex(value)}`
        : `${type}:${type === 2 ? value.toLowerCase() : value}`,
    )
    .sort();
  const want = wanted
    .map((altName) =>
      altName.type === 7 ? `7:${ipToHex(altName.ip)}` : `${altName.type}:${altName.value}`,
    )
    .sort();
  return have.length === want.length && have.every((entry, i) => entry === want[i]);
}

/** The network-order bytes of a normalized address (see normalizeHosts), in hex. */
function ipToHex(ip: string): string {
  if (isIP(ip) === 4) {
    return ip
      .split('.')
      .map((octet) => Number(octet).toString(16).padStart(2, '0'))
      .join('');
  }
  const [head, tail = ''] = ip.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const given = ip.includes('::') ? [head, tail].map(groups) : [groups(ip), []];
  const zeros = Array<string>(8 - given[0].length - given[1].length).fill('0');
  return [...given[0], ...zeros, ...given[1]].map((group) => group.padStart(4, '0')).join('');
}

function writeLeaf(dir: string, name: string, altNames: AltName[], ca: Issuer): void {
  const kind = certKind(name);
  const keys = newKeyPair();
  const cert = issueLeaf(name, kind, altNames, keys, ca);
  writeAtomically(join(dir, `${name}.crt`), forge.pki.certificateToPem(cert));
  writeAtomically(join(dir, `${name}.key`), keys.privateKeyPem);
  if (kind === 'sae') {
    // 3DES rather than forge's AES default: older Java, macOS and Windows SAE clients read it.
    const p12 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert, ca.cert], DEV_P12_PASSWORD, {
      algorithm: '3des',
      friendlyName: name,
      generateLocalKeyId: true,
    });
    writeAtomically(
      join(dir, `${name}.p12`),
      Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'),
    );
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

function issueLeaf(
  name: string,
  kind: CertKind,
  altNames: AltName[],
  keys: KeyPair,
  ca: Issuer,
): forge.pki.Certificate {
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
    { name: 'subjectAltName', altNames },
  ];
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

/** Keys and `.p12` files (which hold a key) are the owner's only; certificates are public. */
function modeOf(path: string): number {
  return /\.(key|p12)$/.test(path) ? 0o600 : 0o644;
}

/** The CA certificate and the KME files; never the CA key, which only this script reads. */
function readByKmes(path: string): boolean {
  const file = basename(path);
  return file === 'ca.crt' || certKind(file.replace(/\.[^.]+$/, '')) === 'kme';
}

function applyMode(path: string): void {
  if ((statSync(path).mode & 0o777) !== modeOf(path)) chmodSync(path, modeOf(path));
}

/** Only where it changes something, so a run by the files' owner itself needs no privilege. */
function applyOwner(path: string, { uid, gid }: FileOwner): void {
  const stats = statSync(path);
  if (stats.uid !== uid || (gid !== undefined && stats.gid !== gid)) {
    chownSync(path, uid, gid ?? -1);
  }
}

/**
 * Through a new file renamed over the old one: a reader never sees half a key, the mode is set
 * before the content lands whatever the umask, and a file owned by someone else (a KME's key
 * chowned for a container) is replaced rather than refused.
 */
function writeAtomically(path: string, content: string | Buffer): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, '', { mode: 0o600 });
    chmodSync(temporary, modeOf(path));
    writeFileSync(temporary, content);
    renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
}
