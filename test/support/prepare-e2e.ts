import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { isBuildStale, mtimeOf, newestInputMtime } from '../../scripts/lib/build-check';
import { ensureDevPki, makeForeignClientCert } from '../../scripts/lib/pki';
import { E2E_PKI_DIR, E2E_PKI_NAMES, REPO_ROOT, entryOf } from './e2e-paths';

/**
 * The e2e tests run the built KMEs as real processes: build them when a source is newer than
 * the build, and make the test PKI (with an untrusted client certificate for sae-1).
 */
export function prepareE2e(): void {
  const inputs = newestInputMtime([join(REPO_ROOT, 'apps'), join(REPO_ROOT, 'libs')]);
  const entries = (['master', 'slave'] as const).map((role) => mtimeOf(entryOf(role)));
  if (isBuildStale(entries, inputs)) {
    process.stderr.write('e2e: building the KMEs (npm run build)\n');
    execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  ensureDevPki({ dir: E2E_PKI_DIR, names: E2E_PKI_NAMES });
  makeForeignClientCert(E2E_PKI_DIR, 'sae-1');
}
