import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_P12_PASSWORD, ensureDevPki } from '../../../scripts/lib/pki';

/**
 * A throwaway development PKI: the CA, both KMEs, two SAEs and an operator, in `<root>/certs`
 * as `npm run certs` lays it out, so that `root` can serve as the CLI's working directory.
 */
export interface TestPki {
  readonly root: string;
  readonly dir: string;
  readonly caFile: string;
  readonly p12Password: string;
  crt(name: string): string;
  key(name: string): string;
  p12(name: string): string;
  remove(): void;
}

export function makeTestPki(): TestPki {
  const root = mkdtempSync(join(tmpdir(), 'etsi-client-pki-'));
  const dir = join(root, 'certs');
  ensureDevPki({ dir, names: ['kme-1', 'kme-2', 'sae-1', 'sae-2', 'operator'] });
  return {
    root,
    dir,
    caFile: join(dir, 'ca.crt'),
    p12Password: DEV_P12_PASSWORD,
    crt: (name) => join(dir, `${name}.crt`),
    key: (name) => join(dir, `${name}.key`),
    p12: (name) => join(dir, `${name}.p12`),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
