import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { isBuildStale, mtimeOf, newestInputMtime } from '../../scripts/lib/build-check';
import { ensureDevPki, makeForeignClientCert } from '../../scripts/lib/pki';
import {
  CLI_ENTRY,
  E2E_PKI_DIR,
  E2E_PKI_NAMES,
  REPO_ROOT,
  entryOf,
  entryOfExample,
} from './e2e-paths';

/** The example applications under examples/ (each a directory with its tsconfig.app.json). */
function exampleNames(): string[] {
  const root = join(REPO_ROOT, 'examples');
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter(
      (entry) => entry.isDirectory() && existsSync(join(root, entry.name, 'tsconfig.app.json')),
    )
    .map((entry) => entry.name);
}

/**
 * The e2e tests run the built KMEs, examples and CLI as real processes: build them when a source is
 * newer than the build, and make the test PKI (with an untrusted client certificate for sae-1).
 */
export function prepareE2e(): void {
  const inputs = newestInputMtime(
    ['apps', 'libs', 'examples', 'scripts'].map((dir) => join(REPO_ROOT, dir)),
  );
  const entries = [
    ...(['master', 'slave'] as const).map((role) => entryOf(role)),
    ...exampleNames().map((name) => entryOfExample(name)),
    CLI_ENTRY,
    // The container test runs the image's certificate maker from the build.
    join(REPO_ROOT, 'dist', 'scripts', 'make-certs.js'),
  ];
  if (isBuildStale(entries.map(mtimeOf), inputs)) {
    process.stderr.write('e2e: building the KMEs and the examples (npm run build)\n');
    execFileSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
    // webpack leaves a bundle that came out the same unwritten, hence as old as before: without
    // this, a change that one bundle does not contain would rebuild everything on every run.
    const now = new Date();
    for (const entry of entries.filter((path) => existsSync(path))) utimesSync(entry, now, now);
  }
  ensureDevPki({ dir: E2E_PKI_DIR, names: E2E_PKI_NAMES });
  makeForeignClientCert(E2E_PKI_DIR, 'sae-1');
}
