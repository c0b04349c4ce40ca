import { parseArgs } from 'node:util';

/** Load scenarios, in the order they run. `reference` runs first and again last. */
export const SCENARIO_IDS = [
  'reference',
  'status',
  'enc-master',
  'enc-slave',
  'round-trip',
  'enc-master-128',
] as const;

export type ScenarioId = (typeof SCENARIO_IDS)[number];

export type BuildMode = 'auto' | 'skip' | 'force';

export interface BenchOptions {
  /** Measured seconds per scenario and concurrency. */
  readonly durationSec: number;
  /** Unmeasured seconds before each measurement: connections, JIT, caches. */
  readonly warmupSec: number;
  readonly concurrencies: readonly number[];
  /** Load scenarios to run; the reference always runs, as the ratios need it. */
  readonly scenarios: readonly ScenarioId[];
  /** Measure the relay and the memory of a full pool. */
  readonly relay: boolean;
  /** Measure the reference a second time at the end, to see how steady the machine was. */
  readonly referenceTwice: boolean;
  readonly build: BuildMode;
  readonly markdown: boolean;
  readonly save: boolean;
  /** Exit 1 when a target is missed. */
  readonly strict: boolean;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

Builds the KMEs if dist/ is stale, starts the pair on a private RabbitMQ (or AMQP_URL), a bare
mutual-TLS reference server, and measures each scenario at each concurrency.

  --duration <s>       measured seconds per scenario and concurrency (default 5)
  --warmup <s>         unmeasured warm-up seconds before each (default 1)
  --quick              --duration 2 --warmup 0.5, reference measured once
  --concurrency <list> comma-separated, e.g. 1,32 (default 1,32)
  --only <list>        load scenarios to run, of: ${SCENARIO_IDS.filter((id) => id !== 'reference').join(', ')}
  --no-relay           skip the relay throughput and memory measurement
  --no-build           use dist/ as it is
  --rebuild            run npm run build even when dist/ looks current
  --markdown           print the results as a markdown table too, for the README
  --no-save            do not write bench/results/
  --strict             exit 1 when a target is missed
  -h, --help           this text`;

export class UsageError extends Error {}

/** Parses the arguments after `npm run bench --`. Throws UsageError on anything it does not know. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        duration: { type: 'string' },
        warmup: { type: 'string' },
        quick: { type: 'boolean', default: false },
        concurrency: { type: 'string' },
        only: { type: 'string' },
        'no-relay': { type: 'boolean', default: false },
        'no-build': { type: 'boolean', default: false },
        rebuild: { type: 'boolean', default: false },
        markdown: { type: 'boolean', default: false },
        'no-save': { type: 'boolean', default: false },
        strict: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values['no-build'] && values.rebuild) {
    throw new UsageError('--no-build and --rebuild contradict each other');
  }
  const quick = values.quick;
  return {
    durationSec: seconds('--duration', values.duration, quick ? 2 : 5, 0.1),
    warmupSec: seconds('--warmup', values.warmup, quick ? 0.5 : 1, 0),
    concurrencies: concurrencyList(values.concurrency),
    scenarios: scenarioList(values.only),
    relay: !values['no-relay'],
    referenceTwice: !quick,
    build: values['no-build'] ? 'skip' : values.rebuild ? 'force' : 'auto',
    markdown: values.markdown,
    save: !values['no-save'],
    strict: values.strict,
    help: values.help,
  };
}

function seconds(flag: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > 3600) {
    throw new UsageError(`${flag} must be a number of seconds from ${min} to 3600, not "${text}"`);
  }
  return value;
}

function concurrencyList(text: string | undefined): number[] {
  if (text === undefined) return [1, 32];
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 1 || value > 1024)) {
    throw new UsageError(`--concurrency must list integers from 1 to 1024, not "${text}"`);
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

function scenarioList(text: string | undefined): ScenarioId[] {
  if (text === undefined) return [...SCENARIO_IDS];
  const wanted = text.split(',').map((part) => part.trim());
  const unknown = wanted.filter(
    (id) => !(SCENARIO_IDS as readonly string[]).includes(id) || id === 'reference',
  );
  if (unknown.length > 0) {
    throw new UsageError(
      `--only: unknown scenario ${unknown.join(', ')}; known: ${SCENARIO_IDS.slice(1).join(', ')}`,
    );
  }
  return SCENARIO_IDS.filter((id) => id === 'reference' || wanted.includes(id));
}
