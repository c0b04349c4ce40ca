import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Files whose change calls for a rebuild: what nest build compiles, not the tests beside it. */
export function isBuildInput(path: string): boolean {
  if (/\.(spec|e2e-spec)\.ts$/.test(path)) return false;
  return /\.(ts|json)$/.test(path);
}

/** Newest modification time (ms) of the build inputs under roots; undefined if there are none. */
export function newestInputMtime(
  roots: readonly string[],
  isInput: (path: string) => boolean = isBuildInput,
): number | undefined {
  let newest: number | undefined;
  const visit = (path: string) => {
    let entries;
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) visit(child);
      } else if (entry.isFile() && isInput(child)) {
        const mtime = statSync(child).mtimeMs;
        if (newest === undefined || mtime > newest) newest = mtime;
      }
    }
  };
  roots.forEach(visit);
  return newest;
}

/** A build is stale when an output is missing or older than the newest input. */
export function isBuildStale(
  outputMtimes: readonly (number | undefined)[],
  newestInput: number | undefined,
): boolean {
  return outputMtimes.some(
    (mtime) => mtime === undefined || (newestInput !== undefined && mtime < newestInput),
  );
}

export function mtimeOf(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Where `nest build <app>` put the app's main.js. With libs/ in its compilation, tsc roots the
 * output at the repository, so it lands under apps/<app>/src/ rather than beside outDir.
 */
export function entryCandidates(root: string, app: string): string[] {
  return [
    join(root, 'dist', 'apps', app, 'main.js'),
    join(root, 'dist', 'apps', app, 'apps', app, 'src', 'main.js'),
  ];
}

export function findEntry(
  root: string,
  app: string,
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  return entryCandidates(root, app).find(exists);
}
