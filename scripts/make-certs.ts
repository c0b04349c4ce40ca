// Writes the development PKI: `npm run certs [-- [--force] [--dir <path>] [name ...]]`.
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CERTS_DIR, DEFAULT_PKI_NAMES, DEV_P12_PASSWORD, ensureDevPki } from './lib/pki';

const USAGE = `usage: npm run certs -- [--force] [--dir <path>] [name ...]
  Writes ca.crt/ca.key and a certificate per name (${DEFAULT_PKI_NAMES.join(', ')} always) into
  certs/ at the repository root, keeping existing files unless --force.
  A name starting with kme- makes a KME certificate (server and client); any other an SAE one.`;

function main(): void {
  const { values, positionals } = parseArgs({
    options: {
      force: { type: 'boolean', default: false },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const dir = values.dir === undefined ? DEFAULT_CERTS_DIR : resolve(values.dir);
  const files = ensureDevPki({ dir, names: positionals, force: values.force });
  for (const { path, status } of files) {
    console.log(`${status.padEnd(7)} ${relative(process.cwd(), path) || path}`);
  }
  console.log(`PKCS#12 password of the SAE .p12 files: ${DEV_P12_PASSWORD}`);
}

try {
  main();
} catch (error) {
  console.error(`make-certs: ${error instanceof Error ? error.message : String(error)}`);
  console.error(USAGE);
  process.exitCode = 1;
}
