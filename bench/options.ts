import { parseArgs } from 'node:util';
import { resolve } from 'node:path';

/** Load scenarios, in the order they run. `reference` runs first and again last. */
export const SCENARIO_IDS = [
  'reference',
  'status',
  'status-slave',
  'enc-master',
  'enc-slave',
  'round-trip',
  'enc-master-128',
] as const;

export type ScenarioId = (typeof SCENARIO_IDS)[number];

export type BuildMode = 'auto' | 'skip' | 'force';

/** How the KMEs' key store commits (DURABILITY): survives the process, or a power loss. */
export const DURABILITIES = ['process', 'power'] as const;
export type Durability = (typeof DURABILITIES)[number];

/** Where the KMEs keep their keys (KEY_STORE). */
export const KEY_STORES = ['sqlite', 'memory'] as const;
export type KeyStore = (typeof KEY_STORES)[number];

/** The durability the targets are judged on when the suite runs under more than one. */
export const JUDGED_DURABILITY: Durability = 'process';

/** Of the durabilities a run measures, the one its targets are judged on. */
export function judgedDurability(durabilities: readonly Durability[]): Durability {
  return durabilities.includes(JUDGED_DURABILITY) ? JUDGED_DURABILITY : durabilities[0];
}

/** A soak: round trips both ways at this concurrency, RSS sampled this often. */
export const SOAK_CONCURRENCY = 32;
export const SOAK_SAMPLE_SEC = 5;

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
  /** Where to save the results instead of bench/results/ (the interleaved A/B runs use it). */
  readonly outFile?: string;
  /** Exit 1 when a target is missed. */
  readonly strict: boolean;
  /** KEY_STORE of both KMEs. */
  readonly store: KeyStore;
  /** DURABILITY of both KMEs: one suite per entry, in this order, each on a fresh pair. */
  readonly durabilities: readonly Durability[];
  /** A saved results file to compare the key routes against. */
  readonly baselineFile?: string;
  /** Minutes of soak; when set, the soak replaces the relay, memory and load scenarios. */
  readonly soakMinutes?: number;
  /** Another checkout whose built KMEs (its dist/, with its node_modules) are measured instead. */
  readonly kmesFrom?: string;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

Builds the KMEs if dist/ is stale, starts the pair on a private RabbitMQ (or AMQP_URL), a bare
mutual-TLS reference server, and measures each scenario at each concurrency. Each KME keeps its
keys in a fresh DATA_DIR under the temp directory (TMPDIR), removed at the end.

  --duration <s>       measured seconds per scenario and concurrency (default 5)
  --warmup <s>         unmeasured warm-up seconds before each (default 1)
  --quick              --duration 2 --warmup 0.5, reference measured once
  --concurrency <list> comma-separated, e.g. 1,32 (default 1,32)
  --only <list>        load scenarios to run, of: ${SCENARIO_IDS.filter((id) => id !== 'reference').join(', ')}
  --no-relay           skip the relay throughput and memory measurement
  --store <kind>       KEY_STORE of both KMEs: sqlite or memory (default sqlite)
  --durability <d>     DURABILITY of both KMEs: process, power, or both: the whole suite once
                       per durability, one after the other, each on a fresh pair; the targets
                       are judged on process (default process)
  --baseline <file>    a saved results file (e.g. bench/results/fastify-baseline.json): each key
                       route at concurrency 32 must keep ≥ 0.90× its ops/s
  --soak <minutes>     only a soak: round trips both ways at concurrency ${SOAK_CONCURRENCY} for that long,
                       both KMEs' RSS sampled every ${SOAK_SAMPLE_SEC} s; each KME's peak RSS of the
                       last minute must be ≤ 1.10× that of the first (so soak 2 minutes or more);
                       no relay, memory or load scenarios
  --kmes-from <dir>    measure the KMEs built in another checkout (its dist/ and node_modules),
                       e.g. a baseline commit, with this bench and its client; implies --no-build
  --no-build           use dist/ as it is
  --rebuild            run npm run build even when dist/ looks current
  --markdown           print the results as a markdown table too, for the README
  --no-save            do not write bench/results/
  --out <file>         write the results to this file instead of bench/results/
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
        store: { type: 'string' },
        durability: { type: 'string' },
        baseline: { type: 'string' },
        soak: { type: 'string' },
        'kmes-from': { type: 'string' },
        'no-build': { type: 'boolean', default: false },
        rebuild: { type: 'boolean', default: false },
        markdown: { type: 'boolean', default: false },
        'no-save': { type: 'boolean', default: false },
        out: { type: 'string' },
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
  if (values['kmes-from'] !== undefined && values.rebuild) {
    throw new UsageError('--kmes-from measures a build as it is: --rebuild does not apply');
  }
  if (values.out !== undefined && values['no-save']) {
    throw new UsageError('--out and --no-save contradict each other');
  }
  if (values.out !== undefined && values.out.trim() === '') {
    throw new UsageError('--out must name a file');
  }
  if (values.soak !== undefined) {
    const clash = (
      ['only', 'concurrency', 'duration', 'warmup', 'quick', 'baseline'] as const
    ).find((name) => values[name] !== undefined && values[name] !== false);
    if (clash !== undefined) {
      throw new UsageError(`--soak runs the soak alone: --${clash} does not apply to it`);
    }
  }
  const quick = values.quick;
  return {
    durationSec: seconds('--duration', values.duration, quick ? 2 : 5, 0.1),
    warmupSec: seconds('--warmup', values.warmup, quick ? 0.5 : 1, 0),
    concurrencies: concurrencyList(values.concurrency),
    scenarios: scenarioList(values.only),
    relay: !values['no-relay'],
    referenceTwice: !quick,
    build:
      values['no-build'] || values['kmes-from'] !== undefined
        ? 'skip'
        : values.rebuild
          ? 'force'
          : 'auto',
    markdown: values.markdown,
    save: !values['no-save'],
    outFile: values.out === undefined ? undefined : resolve(values.out),
    strict: values.strict,
    store: oneOf('--store', values.store, KEY_STORES, 'sqlite'),
    durabilities: durabilityList(values.durability),
    baselineFile: baselineFile(values.baseline),
    soakMinutes: soakMinutes(values.soak),
    kmesFrom: values['kmes-from'] === undefined ? undefined : resolve(values['kmes-from']),
    help: values.help,
  };
}

function oneOf<T extends string>(
  flag: string,
  text: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (text === undefined) return fallback;
  const found = allowed.find((value) => value === text.trim().toLowerCase());
  if (found === undefined) {
    throw new UsageError(`${flag} must be ${allowed.join(' or ')}, not "${text}"`);
  }
  return found;
}

function durabilityList(text: string | undefined): Durability[] {
  const choice = oneOf('--durability', text, [...DURABILITIES, 'both'], 'process');
  return choice === 'both' ? [...DURABILITIES] : [choice];
}

function baselineFile(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (text.trim() === '') throw new UsageError('--baseline must name a results file');
  return text;
}

function soakMinutes(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0.1 || value > 1440) {
    throw new UsageError(`--soak must be a number of minutes from 0.1 to 1440, not "${text}"`);
  }
  return value;
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
