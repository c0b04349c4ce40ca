// `npm run bench:ab`: the bench's load scenarios on two builds, interleaved round by round, each
// run a plain `npm run bench` on a fresh pair; prints every round's figures and the median ratio,
// and saves all of it as bench/results/ab-<time>.json. `npm run bench:ab -- --help` for options.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import {
  AB_USAGE,
  abCpuTable,
  abTable,
  parseAbArgs,
  roundOrder,
  summarizeRounds,
  type AbOptions,
  type AbRound,
  type AbRow,
} from './ab';
import { UsageError } from './options';
import { REPO_ROOT, RESULTS_DIR, resultsFileStem } from './processes';
import { renderMarkdown, renderText, type BenchResults } from './report';

interface CompletedRound extends AbRound {
  readonly a: BenchResults;
  readonly b: BenchResults;
}

/** bench/results/ab-<time>.json */
interface SavedAbRun {
  readonly timestamp: string;
  readonly a: { readonly commit: string; readonly dir: string };
  readonly b: { readonly commit: string; readonly dir: string };
  readonly benchArgs: readonly string[];
  readonly summary: readonly AbRow[];
  readonly rounds: readonly CompletedRound[];
}

async function main(): Promise<number> {
  let options: AbOptions;
  try {
    options = parseAbArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${AB_USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${AB_USAGE}\n`);
    return 0;
  }
  if (options.reportFile !== undefined) return reprint(options.reportFile, options.markdown);
  const label = { a: commitOf(options.against), b: commitOf(REPO_ROOT) };
  const say = (line: string) => process.stderr.write(`${line}\n`);
  // Ctrl-C reaches the bench runs too (same process group); each stops and reports 130.
  let interrupted = false;
  process.on('SIGINT', () => (interrupted = true));

  const timestamp = new Date().toISOString();
  const work = mkdtempSync(join(tmpdir(), 'qkd-kme-bench-ab-'));
  const rounds: CompletedRound[] = [];
  try {
    for (let index = 0; index < options.rounds && !interrupted; index++) {
      const round: Partial<Record<'a' | 'b', BenchResults>> = {};
      for (const build of roundOrder(index)) {
        say(`round ${index + 1} of ${options.rounds}: ${label[build]}`);
        const out = join(work, `round-${index + 1}-${build}.json`);
        const from = build === 'a' ? ['--kmes-from', options.against] : [];
        const code = await runBench(['--no-relay', ...options.benchArgs, ...from, '--out', out]);
        if (code === 130 || interrupted) {
          interrupted = true;
          break;
        }
        if (code !== 0) {
          throw new Error(`the bench run of ${label[build]} failed (exit ${code}): see above`);
        }
        round[build] = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
      }
      if (round.a !== undefined && round.b !== undefined) rounds.push({ a: round.a, b: round.b });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (rounds.length === 0) {
    say('no complete round: nothing to compare');
    return interrupted ? 130 : 1;
  }

  const rows = summarizeRounds(rounds);
  printSummary(rows, rounds.length, label, options.against, options.markdown);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `ab-${resultsFileStem(timestamp)}.json`);
  const saved: SavedAbRun = {
    timestamp,
    a: { commit: label.a, dir: options.against },
    b: { commit: label.b, dir: REPO_ROOT },
    benchArgs: options.benchArgs,
    summary: rows,
    rounds,
  };
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
  say(`results saved: ${relative(REPO_ROOT, file)}`);
  return interrupted ? 130 : 0;
}

/** The tables of an A/B run: ops/s per round with the median ratios, then CPU per operation. */
function printSummary(
  rows: readonly AbRow[],
  roundCount: number,
  label: Readonly<Record<'a' | 'b', string>>,
  againstDir: string,
  markdown: boolean,
): void {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const tables = [
    {
      title:
        `Interleaved A/B, ${roundCount} round(s) (A = ${label.a}, ${againstDir}; ` +
        `B = ${label.b}, this checkout), rounds ordered A B, B A, …:`,
      table: abTable(rows, label.a, label.b),
    },
    {
      title: `CPU per operation, ${label.a} → ${label.b}, each the median over the rounds:`,
      table: abCpuTable(rows),
    },
  ];
  for (const { title, table } of tables) {
    out('');
    out(title);
    out(renderText(table));
    if (markdown) {
      out('');
      out(renderMarkdown(table));
    }
  }
}

/** --report: the tables of a saved A/B run, summarised again from its rounds. */
function reprint(file: string, markdown: boolean): number {
  let saved: SavedAbRun;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as SavedAbRun;
  } catch (error) {
    process.stderr.write(`--report: cannot read ${file}: ${String(error)}\n`);
    return 2;
  }
  if (!Array.isArray(saved.rounds) || saved.a === undefined || saved.b === undefined) {
    process.stderr.write(`--report: ${file} is not a saved A/B run (bench/results/ab-*.json)\n`);
    return 2;
  }
  const label = { a: saved.a.commit, b: saved.b.commit };
  printSummary(summarizeRounds(saved.rounds), saved.rounds.length, label, saved.a.dir, markdown);
  return 0;
}

/** One `npm run bench` with these options; its progress shows, its report is in its file. */
function runBench(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'bench', '--', ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
  });
}

/** The short commit a checkout is at, "+" when it has changes; its name when it is no repository. */
function commitOf(dir: string): string {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
    return git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain') === '' ? '' : '+');
  } catch {
    return basename(dir);
  }
}

// Exit once stdout is written out (a pipe is written asynchronously).
main().then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (error: unknown) => {
    process.stderr.write(
      `bench:ab failed: ${error instanceof Error ? error.message : String(error)}\n`,
      () => process.exit(1),
    );
  },
);
