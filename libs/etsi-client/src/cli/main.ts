#!/usr/bin/env node
/**
 * Entry of the `kme` command. All behaviour is in runCli; this file only binds it to the process:
 * arguments, streams, environment, and Ctrl-C (first press stops `kme watch` or the request in
 * flight, a second one exits at once).
 */
import { runCli } from './run-cli';

const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort(new Error('interrupted'));
});

// A reader that went away (`kme enc … | head -1`) is no error of ours: stop quietly, as cat does.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: interrupt.signal,
}).then((code) => {
  process.exitCode = code;
});
