import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');

/** Development PKI of the e2e tests, kept between runs (generation is idempotent). */
export const E2E_PKI_DIR = join(tmpdir(), 'qkd-kme-e2e-pki');

/** SAEs and KMEs the e2e PKI holds: kme-3 is a KME of another pair, sae-3/4 extra SAEs. */
export const E2E_PKI_NAMES = ['kme-1', 'kme-2', 'kme-3', 'sae-1', 'sae-2', 'sae-3', 'sae-4'];

export const entryOf = (role: 'master' | 'slave'): string =>
  join(REPO_ROOT, 'dist', 'apps', role, 'main.js');

/** Where `nest build example-<name>` puts the main.js of `examples/<name>`. */
export const entryOfExample = (name: string): string =>
  join(REPO_ROOT, 'dist', 'examples', name, 'main.js');

/** The built `kme` CLI (package.json "bin"), run with node as a user's shell would run it. */
export const CLI_ENTRY = join(REPO_ROOT, 'dist', 'cli', 'cli', 'main.js');
