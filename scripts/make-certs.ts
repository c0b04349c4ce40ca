// Writes the development PKI: `npm run certs [-- [--force] [--dir <path>] [--host <name>]...
// [--owner <uid[:gid]>] [name ...]]`, or `node dist/scripts/make-certs.js ...` from a build (the
// image's certs service), with no ts-node or dev dependency.
import { isAbsolute, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_CERTS_DIR,
  DEFAULT_PKI_NAMES,
  DEV_P12_PASSWORD,
  ensureDevPki,
  normalizeHosts,
  type FileOwner,
} from './lib/pki';

const USAGE = `usage: npm run certs -- [--force] [--dir <path>] [--host <name>]... [--owner <uid[:gid]>] [name ...]
  Writes ca.crt/ca.key and a certificate per name (${DEFAULT_PKI_NAMES.join(', ')} always) into
  certs/ at the repository root, keeping existing files unless --force.
  A name starting with kme- makes a KME certificate (server and client); any other an SAE one.
  --host      a DNS name or IP address the KME certificates carry besides kme-N, localhost,
              127.0.0.1 and ::1; repeatable or comma-separated, and also read from KME_CERT_HOSTS.
              A KME certificate whose names differ is reissued.
  --owner     owner of the files the KMEs read (ca.crt, kme-*), e.g. 1000:1000 for the image's
              node user; the CA key and the SAE and operator files then go to the owner of the
              directory. Changing owners needs root.`;

/** Comma-separated lists, empty entries ignored, so `KME_CERT_HOSTS=` means none. */
function hostList(values: readonly string[]): string[] {
  return normalizeHosts(
    values.flatMap((value) => value.split(',')).filter((value) => value.trim() !== ''),
  );
}

function parseOwner(value: string): FileOwner {
  const match = /^(\d+)(?::(\d+))?$/.exec(value);
  if (match === null) throw new Error(`invalid --owner "${value}": UID or UID:GID, in digits`);
  return { uid: Number(match[1]), gid: match[2] === undefined ? undefined : Number(match[2]) };
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: {
      force: { type: 'boolean', default: false },
      dir: { type: 'string' },
      host: { type: 'string', multiple: true, default: [] },
      owner: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const dir = values.dir === undefined ? DEFAULT_CERTS_DIR : resolve(values.dir);
  const hosts = hostList([...values.host, process.env.KME_CERT_HOSTS ?? '']);
  const owner = values.owner === undefined ? undefined : parseOwner(values.owner);
  const files = ensureDevPki({ dir, names: positionals, force: values.force, hosts, owner });
  for (const { path, status } of files) {
    const shown = relative(process.cwd(), path);
    console.log(
      `${status.padEnd(7)} ${shown.startsWith('..') || isAbsolute(shown) ? path : shown}`,
    );
  }
  if (hosts.length > 0) console.log(`KME certificates also valid for: ${hosts.join(', ')}`);
  console.log(`PKCS#12 password of the SAE and operator .p12 files: ${DEV_P12_PASSWORD}`);
}

try {
  main();
} catch (error) {
  console.error(`make-certs: ${error instanceof Error ? error.message : String(error)}`);
  console.error(USAGE);
  process.exitCode = 1;
}
