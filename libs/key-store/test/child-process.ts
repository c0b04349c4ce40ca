// Helpers for the tests that run a store in a child process; not part of the library.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(__dirname, '../../..');

/** Starts a TypeScript helper of this directory in a child Node process. */
export function runHelper(script: string, args: readonly string[]): ChildProcessWithoutNullStreams {
  return spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      'tsconfig-paths/register',
      path.join(__dirname, script),
      ...args,
    ],
    { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') } },
  );
}

/** Calls `onLine` for each line the child writes to stdout. */
export function onLines(
  child: ChildProcessWithoutNullStreams,
  onLine: (line: string) => void,
): void {
  createInterface({ input: child.stdout }).on('line', onLine);
}

/** Resolves with the first stdout line that starts with `prefix`; rejects if the child exits first. */
export function lineStartingWith(
  child: ChildProcessWithoutNullStreams,
  prefix: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    onLines(child, (line) => {
      if (line.startsWith(prefix)) resolve(line);
    });
    child.on('exit', (code, signal) =>
      reject(new Error(`helper exited (${code ?? signal}) before "${prefix}": ${stderr}`)),
    );
  });
}

/** Resolves once the child has exited, with its exit code and signal. */
export function exited(
  child: ChildProcessWithoutNullStreams,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}
