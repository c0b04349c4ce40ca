export { runCli } from './run-cli';
export type { CliIo, CliOutput } from './cli-io';
export { ExitCode } from './exit-codes';
