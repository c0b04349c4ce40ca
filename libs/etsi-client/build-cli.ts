/**
 * Builds the `kme` CLI into dist/cli (npm run build; package.json's "bin" points at
 * dist/cli/cli/main.js), to run with node alone: undici and commander from node_modules, nothing
 * else. The client is typed from the server's DTOs (`import type`), which pulls the server's
 * sources into the program; tsc would emit them all. This checks the whole program as tsc does
 * and emits only this library's files. TS6059 (a file outside rootDir) is the one diagnostic let
 * through, since it concerns exactly the files that are not emitted.
 */
import { chmodSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import * as ts from 'typescript';

const FILE_OUTSIDE_ROOT_DIR = 6059;

function build(): number {
  const host: ts.ParseConfigFileHost = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => report([diagnostic]),
  };
  const config = ts.getParsedCommandLineOfConfigFile(
    resolve(__dirname, 'tsconfig.cli.json'),
    {},
    host,
  );
  if (config === undefined) return 1;
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.code !== FILE_OUTSIDE_ROOT_DIR);
  if (problems.length > 0) {
    report(problems);
    return 1;
  }
  const own = resolve(__dirname, 'src') + sep;
  const emitted: string[] = [];
  for (const file of program.getSourceFiles()) {
    if (!file.fileName.startsWith(own) || file.isDeclarationFile) continue;
    const result = program.emit(file, (name, text) => {
      ts.sys.writeFile(name, text);
      emitted.push(name);
    });
    if (result.emitSkipped) {
      report(result.diagnostics);
      return 1;
    }
  }
  const outDir = config.options.outDir ?? 'dist/cli';
  chmodSync(join(outDir, 'cli', 'main.js'), 0o755);
  process.stdout.write(`kme CLI: ${emitted.length} files in ${outDir}\n`);
  return 0;
}

function report(diagnostics: readonly ts.Diagnostic[]): void {
  process.stderr.write(
    ts.formatDiagnosticsWithColorAndContext(diagnostics, {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => process.cwd(),
      getNewLine: () => '\n',
    }),
  );
}

process.exitCode = build();
