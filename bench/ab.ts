import { resolve } from 'node:path';
import { SCENARIO_IDS, UsageError } from './options';
import {
  formatInt,
  loadKey,
  type Figures,
  type MeasuredRun,
  type ScenarioRun,
  type Table,
} from './report';

/** What the summary reads of one bench run's results file. */
export interface AbRun {
  readonly figures: Pick<Figures, 'load'>;
  readonly scenarios: readonly (Pick<ScenarioRun, 'id' | 'title' | 'concurrency'> & {
    readonly runs?: readonly Pick<MeasuredRun, 'opsPerSec' | 'cpuPercent'>[];
  })[];
}

/** The processes whose CPU per operation the A/B table shows, as the bench's CPU meter names them. */
export const CPU_PROCESSES = [
  ['client', 'client'],
  ['kme-1', 'master KME'],
  ['kme-2', 'slave KME'],
  ['broker', 'broker'],
] as const;

/** One round: the same scenarios on build A and on build B, minutes apart. */
export interface AbRound {
  readonly a: AbRun;
  readonly b: AbRun;
}

export interface AbRow {
  /** `<scenario>@<concurrency>`, as in a results file's figures.load. */
  readonly key: string;
  readonly title: string;
  readonly concurrency: number;
  /** ops/s per round; undefined where a round has no figure. */
  readonly a: readonly (number | undefined)[];
  readonly b: readonly (number | undefined)[];
  /** B's ops/s over A's, per round that has both. */
  readonly ratios: readonly (number | undefined)[];
  /** The median of the rounds' ratios: one round on a busy machine moves it least. */
  readonly medianRatio?: number;
  /**
   * The median of the ratios each divided by its round's ratio of the reference (the same bare
   * server, measured in both runs): what is left when the machine was faster in one run.
   */
  readonly medianScaledRatio?: number;
  /**
   * Per process (CPU_PROCESSES), the median over the rounds of its CPU time per operation, µs,
   * for each build. Unlike ops/s it hardly moves with the machine's speed: it says where the
   * difference between the builds is spent.
   */
  readonly cpuMicrosPerOp: Readonly<
    Record<'a' | 'b', Readonly<Record<string, number | undefined>>>
  >;
}

/** Per scenario and concurrency measured in any round, in the order the bench runs them. */
export function summarizeRounds(rounds: readonly AbRound[]): AbRow[] {
  const titles = new Map<string, { title: string; concurrency: number; order: number }>();
  for (const round of rounds) {
    for (const run of [round.a, round.b]) {
      for (const scenario of run.scenarios) {
        const key = loadKey(scenario.id, scenario.concurrency);
        if (!titles.has(key)) {
          const order = SCENARIO_IDS.indexOf(scenario.id) * 10_000 + scenario.concurrency;
          titles.set(key, { title: scenario.title, concurrency: scenario.concurrency, order });
        }
      }
    }
  }
  return [...titles.entries()]
    .sort(([, x], [, y]) => x.order - y.order)
    .map(([key, { title, concurrency }]) => {
      const a = rounds.map((round) => round.a.figures.load[key]?.opsPerSec);
      const b = rounds.map((round) => round.b.figures.load[key]?.opsPerSec);
      const ratios = a.map((before, i) => {
        const after = b[i];
        return before === undefined || after === undefined || before <= 0
          ? undefined
          : after / before;
      });
      const cpuMicrosPerOp = {
        a: cpuPerOp(
          rounds.map((round) => round.a),
          key,
        ),
        b: cpuPerOp(
          rounds.map((round) => round.b),
          key,
        ),
      };
      return { key, title, concurrency, a, b, ratios, medianRatio: median(ratios), cpuMicrosPerOp };
    })
    .map((row, _, all) => {
      const reference = all.find((other) => other.key === `reference@${row.concurrency}`);
      if (reference === undefined || reference === row) return row;
      const scaled = row.ratios.map((ratio, i) => {
        const machine = reference.ratios[i];
        return ratio === undefined || machine === undefined ? undefined : ratio / machine;
      });
      return { ...row, medianScaledRatio: median(scaled) };
    });
}

/** Per process, the median over `runs` of CPU µs per operation of scenario `key`'s first run. */
function cpuPerOp(runs: readonly AbRun[], key: string): Record<string, number | undefined> {
  const measured = runs.map((run) => {
    const scenario = run.scenarios.find((s) => loadKey(s.id, s.concurrency) === key);
    return scenario?.runs?.[0];
  });
  return Object.fromEntries(
    CPU_PROCESSES.map(([name]) => [
      name,
      median(
        measured.map((result) =>
          result === undefined || result.opsPerSec <= 0 || result.cpuPercent[name] === undefined
            ? undefined
            : (result.cpuPercent[name] * 10_000) / result.opsPerSec,
        ),
      ),
    ]),
  );
}

export function median(values: readonly (number | undefined)[]): number | undefined {
  const known = values
    .filter((value): value is number => value !== undefined)
    .sort((x, y) => x - y);
  if (known.length === 0) return undefined;
  const middle = Math.floor(known.length / 2);
  return known.length % 2 === 1 ? known[middle] : (known[middle - 1] + known[middle]) / 2;
}

/**
 * The rows as a table, the rounds' figures side by side; `labelA`/`labelB` name the builds. The
 * last column scales each round by the reference's ratio in it.
 */
export function abTable(rows: readonly AbRow[], labelA: string, labelB: string): Table {
  const each = (values: readonly (number | undefined)[], format: (value: number) => string) =>
    values.map((value) => (value === undefined ? '—' : format(value))).join(' / ');
  const ratio = (value: number) => `${value.toFixed(2)}×`;
  return {
    headers: [
      'Scenario',
      'Conc.',
      `${labelA} ops/s, per round`,
      `${labelB} ops/s, per round`,
      `${labelB} / ${labelA}, per round`,
      'Median',
      'Median, by the reference',
    ],
    align: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    rows: rows.map((row) => [
      row.title,
      String(row.concurrency),
      each(row.a, formatInt),
      each(row.b, formatInt),
      each(row.ratios, ratio),
      row.medianRatio === undefined ? '—' : ratio(row.medianRatio),
      row.medianScaledRatio === undefined ? '—' : ratio(row.medianScaledRatio),
    ]),
  };
}

/**
 * CPU per operation of each process, A → B, the median over the rounds: where the builds differ.
 * The reference is left out (it is neither build).
 */
export function abCpuTable(rows: readonly AbRow[]): Table {
  const measured = rows.filter((row) => !row.key.startsWith('reference@'));
  const micros = (value: number | undefined) => (value === undefined ? '—' : formatInt(value));
  return {
    headers: ['Scenario', 'Conc.', ...CPU_PROCESSES.map(([, title]) => `${title}, µs/op`)],
    align: ['left', 'right', ...CPU_PROCESSES.map(() => 'right' as const)],
    rows: measured.map((row) => [
      row.title,
      String(row.concurrency),
      ...CPU_PROCESSES.map(
        ([name]) => `${micros(row.cpuMicrosPerOp.a[name])} → ${micros(row.cpuMicrosPerOp.b[name])}`,
      ),
    ]),
  };
}

/** Which build runs first in round `index` (0-based): A B, B A, A B, … so drift favours neither. */
export function roundOrder(index: number): readonly ('a' | 'b')[] {
  return index % 2 === 0 ? ['a', 'b'] : ['b', 'a'];
}

export interface AbOptions {
  /** The checkout whose built KMEs are build A (e.g. the baseline commit). */
  readonly against: string;
  /** A saved A/B results file to print again instead of measuring. */
  readonly reportFile?: string;
  readonly rounds: number;
  readonly markdown: boolean;
  /** Passed to every bench run as they are. */
  readonly benchArgs: readonly string[];
  readonly help: boolean;
}

export const AB_USAGE = `Usage: npm run bench:ab -- --against <checkout> [--rounds <n>] [--markdown] [bench options]
       npm run bench:ab -- --report <file> [--markdown]

Interleaved A/B: runs the bench's load scenarios on the KMEs built in <checkout> (A) and on this
checkout's (B), alternately (A B, B A, A B, ...), each run on a fresh pair, and prints every
round's ops/s side by side with the median of B / A, and each process's CPU per operation. On a
machine whose speed drifts from minute to minute, the median of interleaved rounds says more
than any single run. The relay is skipped.

  --against <dir>   the checkout to compare with, already built (its dist/ and node_modules)
  --rounds <n>      rounds of one A and one B run (default 3)
  --markdown        print the tables as markdown too, for the README
  --report <file>   print the tables of a saved A/B run (bench/results/ab-*.json) again
  -h, --help        this text

Any other option goes to each bench run (npm run bench -- --help), e.g.
  npm run bench:ab -- --against ../fastify-base --only enc-master,round-trip --concurrency 32`;

/** Options of each bench run that the A/B run sets itself, or that make no A/B sense. */
const OWN_BENCH_OPTIONS = ['--kmes-from', '--out', '--no-save', '--soak', '--baseline', '--strict'];

/** Parses the arguments after `npm run bench:ab --`; throws UsageError on what it cannot take. */
export function parseAbArgs(argv: readonly string[]): AbOptions {
  let against: string | undefined;
  let rounds = 3;
  let markdown = false;
  let help = false;
  let reportFile: string | undefined;
  const benchArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) {
        throw new UsageError(`${arg} needs a value`);
      }
      return next;
    };
    if (arg === '--against') against = value();
    else if (arg === '--rounds') {
      const text = value();
      rounds = Number(text);
      if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) {
        throw new UsageError(`--rounds must be an integer from 1 to 50, not "${text}"`);
      }
    } else if (arg === '--markdown') markdown = true;
    else if (arg === '--report') reportFile = resolve(value());
    else if (arg === '-h' || arg === '--help') help = true;
    else if (OWN_BENCH_OPTIONS.includes(arg.split('=')[0])) {
      throw new UsageError(`${arg} is set by the A/B run itself, or does not apply to it`);
    } else benchArgs.push(arg);
  }
  if (reportFile !== undefined && (against !== undefined || benchArgs.length > 0)) {
    throw new UsageError(
      '--report prints a saved run: it measures nothing, so takes no other options',
    );
  }
  if (!help && reportFile === undefined && (against === undefined || against.trim() === '')) {
    throw new UsageError('--against must name the checkout to compare with');
  }
  return { against: resolve(against ?? '.'), reportFile, rounds, markdown, benchArgs, help };
}
