import { Command, CommanderError } from 'commander';
import { errorText } from '../error-text';
import type { CliIo } from './cli-io';
import { EXIT_CODES_HELP, ExitCode } from './exit-codes';
import { addFaultCommands } from './fault-commands';
import { Invocation } from './invocation';
import { addKeysCommands } from './keys-commands';
import { addLinkCommands } from './link-commands';
import { addWatchCommand } from './watch-command';

/**
 * Runs the `kme` CLI on `argv` (the user's arguments, without node and the script) and resolves
 * to its exit code (see exit-codes.ts). It never exits the process and never rejects, so that
 * tests drive it like a function and main.ts only sets process.exitCode.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const invocation = new Invocation(io);
  const program = buildProgram(invocation);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every other complaint of commander's is a usage error.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    io.stderr.write(`kme: ${errorText(error)}\n`);
    return ExitCode.Failure;
  }
  return invocation.exitCode;
}

function buildProgram(invocation: Invocation): Command {
  const { io } = invocation;
  // Settings made before the commands are added are inherited by every one of them.
  const program = new Command('kme')
    .description(
      'Client of the QKD KME simulator: ETSI GS QKD 014 key requests as an SAE, and the ' +
        "master KME's link simulation and fault injection as the operator.",
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(text.replace(/^error: /, 'kme: ')),
      getOutHelpWidth: () => io.stdout.columns ?? 80,
      getErrHelpWidth: () => io.stderr.columns ?? 80,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'afterAll',
      `${EXIT_CODES_HELP}\n\nDefaults: --kme from KME_URL, else https://localhost:8000; --sae from SAE_ID, ` +
        'else sae-1 (simulation commands: operator); certificates under ./certs.\n',
    );
  addKeysCommands(program, invocation);
  addLinkCommands(program, invocation);
  addFaultCommands(program, invocation);
  addWatchCommand(program, invocation);
  return program;
}
