import type { LoadResult } from './load';
import type { Durability, KeyStore, ScenarioId } from './options';
import type { RelayResult } from './pool';
import type { MachineInfo, Memory } from './proc';
import type { SoakRun, SoakSample } from './soak';

/** One measurement of a scenario, with the KMEs' resident memory right after it (MiB). */
export interface MeasuredRun extends LoadResult {
  readonly rssAfterMb: Readonly<Record<string, number>>;
}

/** One load scenario at one concurrency. */
export interface ScenarioRun {
  readonly id: ScenarioId;
  readonly title: string;
  /** Measured results; more than one for the reference when it ran first and last. */
  readonly runs: readonly MeasuredRun[];
  readonly concurrency: number;
  /** Why there is no result, e.g. a failing preflight request. */
  readonly skipped?: string;
}

export interface MemoryFigures {
  /** Keys (of keyBits) each KME held when measured. */
  readonly keys: number;
  readonly keyBits: number;
  /** How long after the pools filled the figure was read (older results: absent). */
  readonly settledMs?: number;
  /** rssMb then; peakRssMb is the process's peak so far (the fill's, and start-up's). */
  readonly master: Memory;
  readonly slave: Memory;
}

/** Everything measured on one pair of KMEs, started fresh with one DURABILITY. */
export interface SuiteResults {
  readonly durability: Durability;
  /** The headline figures, flat, to compare runs at a glance; details in `scenarios`. */
  readonly figures: Figures;
  readonly scenarios: readonly ScenarioRun[];
  readonly relay?: RelayResult;
  readonly memory?: MemoryFigures;
  /** With --soak, which replaces the relay, memory and load scenarios. */
  readonly soak?: SoakRun;
}

/**
 * A results file. Its top level is the suite the targets are judged on (`durability`), so a
 * file reads the same whether one durability ran or both; `otherSuites` holds the rest.
 */
export interface BenchResults extends SuiteResults {
  readonly timestamp: string;
  readonly machine: MachineInfo;
  readonly settings: {
    readonly durationSec: number;
    readonly warmupSec: number;
    readonly concurrencies: readonly number[];
    readonly broker: string;
    /** KEY_STORE of both KMEs. */
    readonly store: KeyStore;
    /** Every DURABILITY the run measured, in order, each on a fresh pair. */
    readonly durabilities: readonly Durability[];
    readonly soakMinutes?: number;
    /** --kmes-from: the checkout whose built KMEs were measured instead of this one's. */
    readonly kmesFrom?: string;
    /** Environment the KMEs of the judged suite ran with, besides ports, paths and the queue. */
    readonly kmeEnvironment: Readonly<Record<string, string>>;
  };
  /** The suites of the other durabilities (--durability both); not judged. */
  readonly otherSuites?: readonly SuiteResults[];
  /** The saved results the key routes were compared against (--baseline). */
  readonly baseline?: Baseline;
  readonly targets: readonly TargetResult[];
  readonly complete: boolean;
}

/** Per `<scenario>@<concurrency>`: means over the runs, and the ratio to the reference. */
export interface LoadFigure {
  readonly opsPerSec: number;
  readonly keysPerSec: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly ratioToReference?: number;
  /** Key routes: ops/s as a share of the status requests/s of the KME they are judged against. */
  readonly ratioToStatus?: number;
}

export interface Figures {
  readonly load: Readonly<Record<string, LoadFigure>>;
  readonly relayMbitPerSec?: number;
  readonly rssMb?: { readonly master: number; readonly slave: number };
  /** Soak: each KME's peak RSS of the last minute over that of the first. */
  readonly soakRssRatio?: { readonly master?: number; readonly slave?: number };
}

/** What a results file given with --baseline contributes: its load figures, and whence. */
export interface Baseline {
  readonly file: string;
  readonly timestamp?: string;
  /** "<cpu>, <n> cores", when the file says. */
  readonly machine?: string;
  readonly store?: string;
  readonly durability?: string;
  /** Per `<scenario>@<concurrency>`. */
  readonly load: Readonly<Record<string, { readonly opsPerSec: number }>>;
}

/** The sets of targets a run is judged against. */
export type TargetSet = 'express' | 'durable' | 'soak';

export const TARGET_SETS: Readonly<Record<TargetSet, string>> = {
  express: 'Express platform (issue 9)',
  durable: 'Durable KMEs (issue 10)',
  soak: 'Soak (issue 10)',
};

export interface TargetResult {
  readonly id: string;
  /** Targets of older results files have none; they render as one table. */
  readonly set?: TargetSet;
  readonly description: string;
  readonly target: string;
  /** undefined when the figure was not measured. */
  readonly measured?: string;
  readonly pass?: boolean;
  /** Load rows (scenario id and concurrency) the target applies to. */
  readonly rows: readonly RowRef[];
}

interface RowRef {
  readonly id: ScenarioId;
  readonly concurrency: number;
  /** Whether this row meets the target (a target over several rows judges each). */
  readonly pass?: boolean;
}

/** Target figures of issues #9 and #10, for a 2-core machine with the client on it. */
export const TARGETS = {
  /** Express platform: status at the master KME against the bare mutual-TLS reference. */
  statusToReference: 0.4,
  /** Express platform: a key route keeps at least this share of the baseline's ops/s. */
  baselineShare: 0.9,
  /** Durable KMEs: key routes against the status of their own KME, same run. */
  encMasterToStatus: 0.7,
  encSlaveToStatus: 0.5,
  roundTripToStatus: 0.35,
  enc128KeysPerSec: 200_000,
  relayMbitPerSec: 120,
  memoryMb: 150,
  p99Ms: 50,
  /** Soak: the peak RSS of the last minute at most this multiple of that of the first. */
  soakGrowth: 1.1,
  /** A figure whose operations failed more often than this does not meet its target. */
  maxErrorShare: 0.001,
} as const;

/** The key routes: compared with the baseline and with their KME's status. */
export const KEY_SCENARIOS: readonly ScenarioId[] = [
  'enc-master',
  'enc-slave',
  'round-trip',
  'enc-master-128',
];

/** The status scenario of the KME each key route is measured against. */
export const STATUS_OF: Readonly<Partial<Record<ScenarioId, ScenarioId>>> = {
  'enc-master': 'status',
  'enc-slave': 'status-slave',
  'round-trip': 'status',
  'enc-master-128': 'status',
};

const STATUS_NAME: Readonly<Partial<Record<ScenarioId, string>>> = {
  status: "the master KME's status",
  'status-slave': "the slave KME's status",
};

/** Names of the key routes in target descriptions. */
const ROUTE_NAME: Readonly<Partial<Record<ScenarioId, string>>> = {
  'enc-master': 'enc_keys 1×256 at the master KME',
  'enc-slave': 'enc_keys 1×256 at the slave KME',
  'round-trip': 'enc→dec round trip across the KMEs',
  'enc-master-128': 'enc_keys 128×256 at the master KME',
};

/**
 * The soak's windows: its first minute and its last, each read by its highest RSS. The resident
 * set of a KME under load is a sawtooth from one major GC to the next (a slave KME's went from
 * 262 MB to 197 and back to 249 within 15 s); a single sample reads wherever the saw happens to be,
 * while the peaks of two windows compare like with like, and a leak raises the later one.
 */
export const SOAK_WINDOW_MS = 60_000;

/** The processes a soak samples, by role. */
export const SOAK_KMES = [
  { role: 'master', name: 'kme-1' },
  { role: 'slave', name: 'kme-2' },
] as const;

/** CPU other processes used during a window, % of one core, above which a figure is noisy. */
export const NOISY_OTHER_CPU_PERCENT = 25;
/** Spread between the reference's first and last run above which the machine was not steady. */
export const UNSTEADY_REFERENCE_SPREAD = 0.15;

/** True when other processes took a noticeable share of the CPU during one of the runs. */
export function isNoisy(run: ScenarioRun): boolean {
  return run.runs.some((result) => (result.cpuPercent.other ?? 0) > NOISY_OTHER_CPU_PERCENT);
}

/** (max - min) / mean of the reference runs' ops/s at a concurrency; 0 for a single run. */
export function referenceSpread(run: ScenarioRun | undefined): number {
  const values = (run?.runs ?? []).map((result) => result.opsPerSec);
  if (values.length < 2) return 0;
  return (Math.max(...values) - Math.min(...values)) / mean(values);
}

/** The concurrency the ratio, key-rate and p99 targets are judged at: 32, or the highest run. */
export function loadConcurrency(concurrencies: readonly number[]): number {
  return concurrencies.includes(32) ? 32 : Math.max(...concurrencies);
}

/** Mean of the runs' operations per second; undefined for a skipped or missing row. */
export function opsPerSec(run: ScenarioRun | undefined): number | undefined {
  if (!run || run.runs.length === 0) return undefined;
  return mean(run.runs.map((result) => result.opsPerSec));
}

function keysPerSec(run: ScenarioRun | undefined): number | undefined {
  if (!run || run.runs.length === 0) return undefined;
  return mean(run.runs.map((result) => result.keysPerSec));
}

function latency(run: ScenarioRun | undefined, which: 'p50Ms' | 'p99Ms'): number | undefined {
  const values = (run?.runs ?? []).flatMap((result) =>
    result.latency === undefined ? [] : [result.latency[which]],
  );
  return values.length === 0 ? undefined : mean(values);
}

/** Failed operations as a share of all operations in the measured windows. */
export function errorShare(run: ScenarioRun | undefined): number {
  const errors = (run?.runs ?? []).reduce((sum, result) => sum + result.errors, 0);
  const total = (run?.runs ?? []).reduce(
    (sum, result) => sum + result.errors + result.operations,
    0,
  );
  return total === 0 ? 0 : errors / total;
}

/** ", 3.2% failed" for a share of failed operations above 0. */
function failedText(share: number): string {
  return share === 0 ? '' : `, ${(share * 100).toFixed(share < 0.01 ? 2 : 1)}% failed`;
}

/** ", 3.2% failed" when operations failed. */
function failedNote(run: ScenarioRun | undefined): string {
  return failedText(errorShare(run));
}

const reliable = (run: ScenarioRun | undefined) => errorShare(run) <= TARGETS.maxErrorShare;

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

export function findRun(
  scenarios: readonly ScenarioRun[],
  id: ScenarioId,
  concurrency: number,
): ScenarioRun | undefined {
  return scenarios.find((run) => run.id === id && run.concurrency === concurrency);
}

function ratio(value: number | undefined, base: number | undefined): number | undefined {
  return value === undefined || base === undefined || base === 0 ? undefined : value / base;
}

/** A KME figure as a ratio to the reference's requests per second at the same concurrency. */
export function ratioToReference(
  scenarios: readonly ScenarioRun[],
  run: ScenarioRun,
): number | undefined {
  return ratio(opsPerSec(run), opsPerSec(findRun(scenarios, 'reference', run.concurrency)));
}

/**
 * A key route's operations per second as a ratio to the status requests per second of its own
 * KME (STATUS_OF) at the same concurrency, in the same run: the ceiling of its HTTP stack. A
 * round trip counts once, against the master KME's status.
 */
export function ratioToStatus(
  scenarios: readonly ScenarioRun[],
  run: ScenarioRun,
): number | undefined {
  const status = STATUS_OF[run.id];
  if (status === undefined) return undefined;
  return ratio(opsPerSec(run), opsPerSec(findRun(scenarios, status, run.concurrency)));
}

/** Where a scenario at a concurrency is in a results file's `figures.load`: `<scenario>@<concurrency>`. */
export function loadKey(id: ScenarioId, concurrency: number): string {
  return `${id}@${concurrency}`;
}

/** The baseline's ops/s of a scenario at a concurrency, if it has the figure. */
export function baselineOpsPerSec(
  baseline: Baseline | undefined,
  id: ScenarioId,
  concurrency: number,
): number | undefined {
  return baseline?.load[loadKey(id, concurrency)]?.opsPerSec;
}

/**
 * The load figures of a saved results file (`figures.load`, which every version of the bench
 * writes), for --baseline. Throws an Error saying what is wrong with the file.
 */
export function parseBaseline(text: string, file: string): Baseline {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const figures = isRecord(parsed) ? parsed.figures : undefined;
  const load = isRecord(figures) ? figures.load : undefined;
  if (!isRecord(parsed) || !isRecord(load)) {
    throw new Error(`${file} is not a bench results file (no figures.load)`);
  }
  const figuresByRow: Record<string, { opsPerSec: number }> = {};
  for (const [row, figure] of Object.entries(load)) {
    const ops = isRecord(figure) ? figure.opsPerSec : undefined;
    if (typeof ops === 'number' && Number.isFinite(ops)) figuresByRow[row] = { opsPerSec: ops };
  }
  if (Object.keys(figuresByRow).length === 0) {
    throw new Error(`${file} holds no load figures`);
  }
  const machine = isRecord(parsed.machine) ? parsed.machine : undefined;
  const settings = isRecord(parsed.settings) ? parsed.settings : undefined;
  const stringOf = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const durability =
    stringOf(parsed.durability) ??
    (isRecord(settings?.kmeEnvironment) ? stringOf(settings.kmeEnvironment.DURABILITY) : undefined);
  return {
    file,
    timestamp: stringOf(parsed.timestamp),
    machine:
      machine && typeof machine.cpuModel === 'string' && typeof machine.cores === 'number'
        ? `${machine.cpuModel}, ${machine.cores} cores`
        : undefined,
    store: stringOf(settings?.store),
    durability,
    load: figuresByRow,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function summarize(
  scenarios: readonly ScenarioRun[],
  relay: RelayResult | undefined,
  memory: MemoryFigures | undefined,
  soak?: SoakRun,
): Figures {
  const load: Record<string, LoadFigure> = {};
  for (const run of scenarios) {
    const ops = opsPerSec(run);
    if (ops === undefined) continue;
    load[loadKey(run.id, run.concurrency)] = {
      opsPerSec: ops,
      keysPerSec: keysPerSec(run) ?? 0,
      p50Ms: latency(run, 'p50Ms'),
      p99Ms: latency(run, 'p99Ms'),
      ratioToReference: run.id === 'reference' ? undefined : ratioToReference(scenarios, run),
      ratioToStatus: ratioToStatus(scenarios, run),
    };
  }
  return {
    load,
    relayMbitPerSec: relay?.mbitPerSec,
    rssMb: memory && { master: memory.master.rssMb, slave: memory.slave.rssMb },
    soakRssRatio: soak && {
      master: soakMemory(soak, 'kme-1').ratio,
      slave: soakMemory(soak, 'kme-2').ratio,
    },
  };
}

/** The Express platform's targets and the durable KMEs', judged on one suite. */
export function evaluateTargets(
  scenarios: readonly ScenarioRun[],
  concurrencies: readonly number[],
  relay: RelayResult | undefined,
  memory: MemoryFigures | undefined,
  baseline?: Baseline,
): TargetResult[] {
  const c = loadConcurrency(concurrencies);
  const atLoad = (id: ScenarioId) => findRun(scenarios, id, c);

  const statusRun = atLoad('status');
  const statusRatio = statusRun ? ratioToReference(scenarios, statusRun) : undefined;
  const statusPass =
    statusRatio === undefined
      ? undefined
      : statusRatio >= TARGETS.statusToReference && reliable(statusRun);
  const targets: TargetResult[] = [
    {
      id: 'status-ratio',
      set: 'express',
      description: `status at the master KME, concurrency ${c}`,
      target: `≥ ${TARGETS.statusToReference.toFixed(2)}× reference`,
      measured:
        statusRatio === undefined
          ? undefined
          : `${statusRatio.toFixed(2)}×${failedNote(statusRun)}`,
      pass: statusPass,
      rows: [{ id: 'status', concurrency: c, pass: statusPass }],
    },
  ];

  for (const id of KEY_SCENARIOS) {
    const run = atLoad(id);
    const now = opsPerSec(run);
    const before = baselineOpsPerSec(baseline, id, c);
    const share = ratio(now, before);
    const pass = share === undefined ? undefined : share >= TARGETS.baselineShare && reliable(run);
    targets.push({
      id: `${id}-baseline`,
      set: 'express',
      description: `${ROUTE_NAME[id] ?? id}, concurrency ${c}, against the baseline`,
      target: `≥ ${TARGETS.baselineShare.toFixed(2)}× baseline ops/s`,
      measured:
        baseline === undefined
          ? 'no baseline given'
          : before === undefined
            ? 'not in the baseline'
            : now === undefined
              ? undefined
              : `${formatInt(now)} ops/s against ${formatInt(before)} (${share!.toFixed(2)}×)${failedNote(run)}`,
      pass,
      rows: [{ id, concurrency: c, pass }],
    });
  }

  const statusTarget = (id: ScenarioId, minimum: number, extra = ''): TargetResult => {
    const run = atLoad(id);
    const status = STATUS_OF[id]!;
    const statusRun = atLoad(status);
    const value = run ? ratioToStatus(scenarios, run) : undefined;
    const pass =
      value === undefined ? undefined : value >= minimum && reliable(run) && reliable(statusRun);
    const statusFailed = errorShare(statusRun);
    return {
      id: `${id}-status`,
      set: 'durable',
      description: `${ROUTE_NAME[id] ?? id}, concurrency ${c}${extra}`,
      target: `≥ ${minimum.toFixed(2)}× ${STATUS_NAME[status] ?? status}`,
      measured:
        value === undefined
          ? undefined
          : `${value.toFixed(2)}×${failedNote(run)}` +
            (statusFailed === 0 ? '' : ` (status${failedText(statusFailed).slice(1)})`),
      pass,
      rows: [{ id, concurrency: c, pass }],
    };
  };
  targets.push(
    statusTarget('enc-master', TARGETS.encMasterToStatus),
    statusTarget('enc-slave', TARGETS.encSlaveToStatus),
    statusTarget(
      'round-trip',
      TARGETS.roundTripToStatus,
      ' (round trips/s, two requests each, against status requests/s)',
    ),
  );

  const enc128Run = atLoad('enc-master-128');
  const enc128 = keysPerSec(enc128Run);
  const enc128Pass =
    enc128 === undefined ? undefined : enc128 >= TARGETS.enc128KeysPerSec && reliable(enc128Run);
  targets.push({
    id: 'enc-master-128-keys',
    set: 'durable',
    description: `enc_keys 128×256 at the master KME, concurrency ${c}`,
    target: `≥ ${formatInt(TARGETS.enc128KeysPerSec)} keys/s`,
    measured:
      enc128 === undefined ? undefined : `${formatInt(enc128)} keys/s${failedNote(enc128Run)}`,
    pass: enc128Pass,
    rows: [{ id: 'enc-master-128', concurrency: c, pass: enc128Pass }],
  });

  targets.push({
    id: 'relay',
    set: 'durable',
    description: `${RELAY_LABEL}, KEY_RATE_BPS=0`,
    target: `≥ ${TARGETS.relayMbitPerSec} Mbit/s`,
    measured:
      relay === undefined
        ? undefined
        : `${relay.mbitPerSec.toFixed(1)} Mbit/s${relay.complete ? '' : ' (pool never full)'}`,
    pass:
      relay === undefined
        ? undefined
        : relay.complete && relay.mbitPerSec >= TARGETS.relayMbitPerSec,
    rows: [],
  });

  for (const role of ['master', 'slave'] as const) {
    const figure = memory?.[role];
    targets.push({
      id: `memory-${role}`,
      set: 'durable',
      description: `resident memory of the ${role} KME, ${formatInt(memory?.keys ?? 1_000_000)} keys of 256 bits`,
      target: `≤ ${TARGETS.memoryMb} MB`,
      measured:
        figure === undefined
          ? undefined
          : `${figure.rssMb.toFixed(1)} MB` +
            (memory?.settledMs === undefined
              ? ''
              : ` ${formatInt(memory.settledMs / 1000)} s after the fill (peak ${figure.peakRssMb.toFixed(1)} MB)`),
      pass: figure === undefined ? undefined : figure.rssMb <= TARGETS.memoryMb,
      rows: [],
    });
  }

  const kmeRuns = scenarios.filter(
    (run) => run.id !== 'reference' && run.concurrency === c && run.runs.length > 0,
  );
  const p99s = kmeRuns.flatMap((run) => {
    const p99 = latency(run, 'p99Ms');
    return p99 === undefined ? [] : [{ run, p99 }];
  });
  const worst = p99s.reduce<{ run: ScenarioRun; p99: number } | undefined>(
    (max, entry) => (max === undefined || entry.p99 > max.p99 ? entry : max),
    undefined,
  );
  targets.push({
    id: 'p99',
    set: 'durable',
    description: `p99 latency, concurrency ${c}, any KME route`,
    target: `≤ ${TARGETS.p99Ms} ms`,
    measured: worst === undefined ? undefined : `${worst.p99.toFixed(1)} ms (${worst.run.title})`,
    pass: worst === undefined ? undefined : p99s.every(({ p99 }) => p99 <= TARGETS.p99Ms),
    rows: p99s.map(({ run, p99 }) => ({ id: run.id, concurrency: c, pass: p99 <= TARGETS.p99Ms })),
  });
  return targets;
}

/** The relay figure's name: material counted once both KMEs have committed it. */
export const RELAY_LABEL = 'relay to the slave KME, committed at both ends';

// ---------------------------------------------------------------------------------------------
// Soak

/** One KME's memory over a soak, MiB. */
export interface SoakMemory {
  readonly startMb?: number;
  /** The highest sample of the first SOAK_WINDOW_MS. */
  readonly firstMinuteMb?: number;
  /** The highest sample of the last SOAK_WINDOW_MS. */
  readonly lastMinuteMb?: number;
  readonly endMb?: number;
  readonly maxMb?: number;
  /** lastMinuteMb / firstMinuteMb; undefined unless the two windows do not overlap. */
  readonly ratio?: number;
  /** lastMinuteMb ≤ TARGETS.soakGrowth × firstMinuteMb, and few enough operations failed. */
  readonly pass?: boolean;
}

/** Failed round trips as a share of all in the soak. */
export function soakErrorShare(soak: SoakRun): number {
  const total = soak.operations + soak.errors;
  return total === 0 ? 0 : soak.errors / total;
}

/** A KME's memory over a soak from its samples, and the verdict on it. */
export function soakMemory(soak: SoakRun, name: string): SoakMemory {
  const samples = soak.samples.filter((sample) => sample.rssMb[name] !== undefined);
  if (samples.length === 0) return {};
  const rss = (sample: SoakSample) => sample.rssMb[name];
  const peak = (from: number, to: number) => {
    const inside = samples.filter((sample) => sample.atMs >= from && sample.atMs <= to);
    return inside.length === 0 ? undefined : Math.max(...inside.map(rss));
  };
  const last = samples[samples.length - 1];
  const maxMb = Math.max(...samples.map(rss));
  const firstMinuteMb = peak(0, SOAK_WINDOW_MS);
  // Judged only when the last minute starts after the first one ends.
  const lastFrom = last.atMs - SOAK_WINDOW_MS;
  const lastMinuteMb = lastFrom > SOAK_WINDOW_MS ? peak(lastFrom, last.atMs) : undefined;
  const value =
    firstMinuteMb === undefined || lastMinuteMb === undefined
      ? undefined
      : lastMinuteMb / firstMinuteMb;
  return {
    startMb: rss(samples[0]),
    firstMinuteMb,
    lastMinuteMb,
    endMb: rss(last),
    maxMb,
    ratio: value,
    pass:
      value === undefined
        ? undefined
        : value <= TARGETS.soakGrowth && soakErrorShare(soak) <= TARGETS.maxErrorShare,
  };
}

/** The soak's verdict, one target per KME. */
export function soakTargets(soak: SoakRun): TargetResult[] {
  const minutes = formatMinutes(soak.durationMs);
  return SOAK_KMES.map(({ role, name }) => {
    const figure = soakMemory(soak, name);
    const failed = failedText(soakErrorShare(soak));
    return {
      id: `soak-${role}`,
      set: 'soak',
      description: `resident memory of the ${role} KME at the end of a ${minutes}-minute soak`,
      target: `peak RSS of the last minute ≤ ${TARGETS.soakGrowth.toFixed(2)}× that of the first`,
      measured:
        figure.endMb === undefined
          ? undefined
          : figure.ratio === undefined
            ? `${figure.endMb.toFixed(1)} MB at the end; a soak shorter than two minutes is not judged`
            : `${figure.lastMinuteMb!.toFixed(1)} MB against ${figure.firstMinuteMb!.toFixed(1)} (${figure.ratio.toFixed(2)}×)${failed}`,
      pass: figure.pass,
      rows: [],
    };
  });
}

function formatMinutes(ms: number): string {
  const minutes = ms / 60_000;
  return Number.isInteger(minutes) ? String(minutes) : minutes.toFixed(1);
}

// ---------------------------------------------------------------------------------------------
// Tables

type Align = 'left' | 'right';

export interface Table {
  readonly headers: readonly string[];
  readonly align: readonly Align[];
  readonly rows: readonly (readonly string[])[];
}

export function formatInt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function formatMs(value: number | undefined): string {
  if (value === undefined) return '—';
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
}

function formatMb(value: number | undefined): string {
  return value === undefined ? '—' : value.toFixed(1);
}

function times(ratio: number | undefined): string {
  return ratio === undefined ? '' : ` (${ratio.toFixed(2)}×)`;
}

function verdict(pass: boolean | undefined): string {
  return pass === undefined ? '—' : pass ? 'PASS' : 'FAIL';
}

/**
 * The load figures: one row per scenario and concurrency, with ratios to the reference and,
 * for the key routes, to their KME's status. With targets, the targets each row is judged
 * against and its verdict; with a baseline, the baseline's ops/s beside the new ones.
 */
export function loadTable(
  scenarios: readonly ScenarioRun[],
  targets?: readonly TargetResult[],
  baseline?: Baseline,
): Table {
  const rows = scenarios.map((run) => {
    const reference = findRun(scenarios, 'reference', run.concurrency);
    const applicable = (targets ?? []).flatMap((target) =>
      target.rows
        .filter((row) => row.id === run.id && row.concurrency === run.concurrency)
        .map((row) => ({ target: target.target, pass: row.pass })),
    );
    const targetText = applicable.map(({ target }) => target).join('; ') || '—';
    const pass =
      applicable.length === 0 || applicable.some((row) => row.pass === undefined)
        ? undefined
        : applicable.every((row) => row.pass);
    const title = isNoisy(run) ? `${run.title} *` : run.title;
    const judged = targets === undefined ? [] : [targetText, verdict(pass)];
    const before = baselineOpsPerSec(baseline, run.id, run.concurrency);
    if (run.runs.length === 0) {
      return [
        title,
        String(run.concurrency),
        `skipped: ${run.skipped ?? 'no result'}`,
        '',
        '',
        '',
        '',
        '',
        ...(baseline === undefined ? [] : [before === undefined ? '—' : formatInt(before)]),
        ...judged,
      ];
    }
    const isReference = run.id === 'reference';
    const ops = opsPerSec(run)!;
    const keys = keysPerSec(run)!;
    const p50 = latency(run, 'p50Ms');
    const p99 = latency(run, 'p99Ms');
    const refP50 = latency(reference, 'p50Ms');
    const refP99 = latency(reference, 'p99Ms');
    const toStatus = ratioToStatus(scenarios, run);
    const spread =
      isReference && run.runs.length > 1
        ? ` (${run.runs.map((result) => formatInt(result.opsPerSec)).join(' / ')})`
        : '';
    const errors = run.runs.reduce((sum, result) => sum + result.errors, 0);
    const baselineCell =
      before === undefined ? '—' : `${formatInt(before)} (now ${(ops / before).toFixed(2)}×)`;
    return [
      title,
      String(run.concurrency),
      `${formatInt(ops)}${isReference ? spread : times(ratioToReference(scenarios, run))}`,
      toStatus === undefined ? '—' : `${toStatus.toFixed(2)}×`,
      keys === 0 ? '—' : formatInt(keys),
      `${formatMs(p50)}${isReference || p50 === undefined || !refP50 ? '' : times(p50 / refP50)}`,
      `${formatMs(p99)}${isReference || p99 === undefined || !refP99 ? '' : times(p99 / refP99)}`,
      formatInt(errors),
      ...(baseline === undefined ? [] : [baselineCell]),
      ...judged,
    ];
  });
  return {
    headers: [
      'Scenario',
      'Conc.',
      'ops/s (× ref)',
      '× own status',
      'keys/s',
      'p50 ms (× ref)',
      'p99 ms (× ref)',
      'Errors',
      ...(baseline === undefined ? [] : ['Baseline ops/s']),
      ...(targets === undefined ? [] : ['Target', 'Result']),
    ],
    align: [
      'left',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
      ...(baseline === undefined ? [] : ['right' as const]),
      ...(targets === undefined ? [] : ['left' as const, 'left' as const]),
    ],
    rows,
  };
}

/** Every target with what was measured and whether it is met. */
export function targetTable(targets: readonly TargetResult[]): Table {
  return {
    headers: ['Target', 'Required', 'Measured', 'Result'],
    align: ['left', 'left', 'left', 'left'],
    rows: targets.map((target) => [
      target.description,
      target.target,
      target.measured ?? 'not measured',
      verdict(target.pass),
    ]),
  };
}

/** "Targets met: 3 of 5 (2 not judged)." */
export function targetsMetLine(targets: readonly TargetResult[]): string {
  const met = targets.filter((target) => target.pass === true).length;
  const judged = targets.filter((target) => target.pass !== undefined).length;
  const left = targets.length - judged;
  return `Targets met: ${met} of ${judged}${left > 0 ? ` (${left} not judged)` : ''}.`;
}

/** CPU use per process during each measured window. */
export function cpuTable(scenarios: readonly ScenarioRun[]): Table {
  const names = ['client', 'reference', 'kme-1', 'kme-2', 'broker', 'other'];
  const rows = scenarios.flatMap((run) =>
    run.runs.map((result, index) => {
      const cpu = result.cpuPercent;
      return [
        run.runs.length > 1 ? `${run.title} (run ${index + 1})` : run.title,
        String(run.concurrency),
        ...names.map((name) => (cpu[name] === undefined ? '—' : `${cpu[name].toFixed(0)}%`)),
        ['kme-1', 'kme-2'].map((name) => result.rssAfterMb[name]?.toFixed(0) ?? '—').join(' / '),
      ];
    }),
  );
  return {
    headers: ['Scenario', 'Conc.', ...names, 'RSS after, MB (kme-1 / kme-2)'],
    align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    rows,
  };
}

/** Each KME's memory over the soak, with its verdict. */
export function soakMemoryTable(soak: SoakRun): Table {
  return {
    headers: [
      'KME',
      'RSS at start, MB',
      'peak, 1st minute',
      'peak, last minute',
      'last / 1st',
      'at the end',
      'max',
      `Result (≤ ${TARGETS.soakGrowth.toFixed(2)}×)`,
    ],
    align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    rows: SOAK_KMES.map(({ role, name }) => {
      const figure = soakMemory(soak, name);
      return [
        `${role} (${name})`,
        formatMb(figure.startMb),
        formatMb(figure.firstMinuteMb),
        formatMb(figure.lastMinuteMb),
        figure.ratio === undefined ? '—' : `${figure.ratio.toFixed(3)}×`,
        formatMb(figure.endMb),
        formatMb(figure.maxMb),
        verdict(figure.pass),
      ];
    }),
  };
}

/** The soak minute by minute: round trips/s each way, requests/s, errors, RSS at its end. */
export function soakMinuteTable(soak: SoakRun): Table {
  return {
    headers: [
      'Minute',
      ...soak.directions.map((name) => `${name} round trips/s`),
      'requests/s',
      'Errors',
      ...SOAK_KMES.map(({ name }) => `RSS ${name}, MB`),
    ],
    align: [
      'left',
      ...soak.directions.map(() => 'right' as const),
      'right',
      'right',
      ...SOAK_KMES.map(() => 'right' as const),
    ],
    rows: soak.buckets.map((bucket, index) => {
      const seconds = (bucket.toMs - bucket.fromMs) / 1000;
      // The last bucket ends with the soak, whose last sample comes just after its end.
      const atEnd =
        index === soak.buckets.length - 1
          ? soak.samples.at(-1)
          : [...soak.samples].reverse().find((sample) => sample.atMs <= bucket.toMs);
      const partial = bucket.toMs - bucket.fromMs < soak.bucketMs;
      return [
        partial ? `${index + 1} (${seconds.toFixed(0)} s)` : String(index + 1),
        ...soak.directions.map((name) =>
          seconds > 0 ? formatInt((bucket.operations[name] ?? 0) / seconds) : '—',
        ),
        formatInt(bucket.requestsPerSec),
        formatInt(bucket.errors),
        ...SOAK_KMES.map(({ name }) => formatMb(atEnd?.rssMb[name])),
      ];
    }),
  };
}

export function renderText(table: Table): string {
  const widths = table.headers.map((header, column) =>
    Math.max(header.length, ...table.rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        table.align[column] === 'right'
          ? cell.padStart(widths[column])
          : cell.padEnd(widths[column]),
      )
      .join('  ')
      .trimEnd();
  return [
    line(table.headers),
    widths.map((width) => '─'.repeat(width)).join('  '),
    ...table.rows.map(line),
  ].join('\n');
}

export function renderMarkdown(table: Table): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  const line = (cells: readonly string[]) => `| ${cells.map(escape).join(' | ')} |`;
  const rule = table.align.map((align) => (align === 'right' ? '---:' : '---'));
  return [
    line(table.headers),
    `|${rule.map((cell) => ` ${cell} `).join('|')}|`,
    ...table.rows.map(line),
  ].join('\n');
}

/** "store sqlite, durability process", or both durabilities and which one is judged. */
export function storeLine(results: BenchResults): string {
  const { store, durabilities } = results.settings;
  if (durabilities.length < 2) return `store ${store}, durability ${results.durability}`;
  return (
    `store ${store}, durability ${durabilities.join(' and ')} (the whole suite once each, ` +
    `on a fresh pair; targets judged on ${results.durability})`
  );
}

/** One line naming the machine and how the figures were taken. */
export function machineLine(results: BenchResults): string {
  const { machine, settings } = results;
  const end =
    machine.loadAverageEnd === undefined ? '' : `, ${machine.loadAverageEnd.toFixed(2)} at the end`;
  const how =
    results.soak !== undefined
      ? `A ${formatMinutes(results.soak.durationMs)}-minute soak`
      : `${settings.durationSec} s per figure after ${settings.warmupSec} s warm-up`;
  return (
    `${machine.cpuModel}, ${machine.cores} cores, ${(machine.memoryMb / 1024).toFixed(1)} GiB, ` +
    `${machine.os}, Node ${machine.node}; load average ${machine.loadAverageStart.toFixed(2)} at the start${end}. ` +
    `${how}, client on the same machine, broker: ${settings.broker}; ${storeLine(results)}.`
  );
}

/** The suites of a results file, the judged one first. */
export function suitesOf(results: BenchResults): readonly SuiteResults[] {
  return [results, ...(results.otherSuites ?? [])];
}

/** What the bench prints at the end; markdown when asked, for the README. */
export function renderReport(results: BenchResults, markdown: boolean): string {
  const render = markdown ? renderMarkdown : renderText;
  const several = (results.otherSuites ?? []).length > 0;
  const sections = [
    markdown
      ? `Measured ${results.timestamp} on ${machineLine(results)}`
      : `Machine: ${machineLine(results)}`,
  ];
  if (results.baseline !== undefined) {
    const { file, timestamp, machine, store, durability } = results.baseline;
    const about = [
      timestamp && `measured ${timestamp}`,
      machine && `on ${machine}`,
      store && `store ${store}`,
      durability && `durability ${durability}`,
    ].filter(Boolean);
    sections.push(`Baseline: ${file}${about.length > 0 ? ` (${about.join(', ')})` : ''}.`);
  }
  for (const suite of suitesOf(results)) {
    const judged = suite === results;
    if (several) {
      sections.push(
        '',
        judged
          ? `Durability ${suite.durability} (the targets are judged on this suite):`
          : `Durability ${suite.durability} (not judged):`,
      );
    }
    if (suite.soak !== undefined) {
      sections.push('', ...soakSections(suite.soak, render));
    }
    if (suite.scenarios.length > 0) {
      sections.push(
        '',
        render(loadTable(suite.scenarios, judged ? results.targets : undefined, results.baseline)),
      );
    }
    if (!judged) {
      const extra = suiteExtras(suite);
      if (extra !== undefined) sections.push('', extra);
    }
  }
  const sets = [...new Set(results.targets.map((target) => target.set))];
  for (const set of sets) {
    const targets = results.targets.filter((target) => target.set === set);
    sections.push(
      '',
      ...(set === undefined ? [] : [`${TARGET_SETS[set]}:`, '']),
      render(targetTable(targets)),
      '',
      targetsMetLine(targets),
    );
  }
  const notes: string[] = [];
  if (suitesOf(results).some((suite) => suite.scenarios.some(isNoisy))) {
    notes.push(
      `* other processes used more than ${NOISY_OTHER_CPU_PERCENT}% of a core during this figure: it is noisy.`,
    );
  }
  for (const suite of suitesOf(results)) {
    for (const run of suite.scenarios.filter((entry) => entry.id === 'reference')) {
      const spread = referenceSpread(run);
      if (spread > UNSTEADY_REFERENCE_SPREAD) {
        notes.push(
          `The reference at concurrency ${run.concurrency}${several ? ` (durability ${suite.durability})` : ''} ` +
            `varied by ${(spread * 100).toFixed(0)}% between the first and the last run: the machine was not steady.`,
        );
      }
    }
  }
  const here = `${results.machine.cpuModel}, ${results.machine.cores} cores`;
  if (results.baseline?.machine !== undefined && results.baseline.machine !== here) {
    notes.push(
      `The baseline was measured on another machine (${results.baseline.machine}): ` +
        'its comparison says little.',
    );
  }
  if (notes.length > 0) sections.push('', ...notes);
  if (!results.complete) sections.push('', 'INCOMPLETE RUN: interrupted or failed part-way.');
  return sections.join('\n');
}

/** The relay and memory of a suite that has no target table to show them. */
function suiteExtras(suite: SuiteResults): string | undefined {
  const parts: string[] = [];
  if (suite.relay !== undefined) {
    parts.push(
      `${RELAY_LABEL}: ${suite.relay.mbitPerSec.toFixed(1)} Mbit/s` +
        (suite.relay.complete ? '' : ' (pool never full)'),
    );
  }
  if (suite.memory !== undefined) {
    parts.push(
      `resident memory with ${formatInt(suite.memory.keys)} keys: ` +
        `master ${suite.memory.master.rssMb.toFixed(1)} MB, slave ${suite.memory.slave.rssMb.toFixed(1)} MB`,
    );
  }
  return parts.length === 0 ? undefined : `${parts.join('; ')}.`;
}

function soakSections(soak: SoakRun, render: (table: Table) => string): string[] {
  const share = soakErrorShare(soak);
  const seconds = soak.elapsedMs / 1000;
  const requests = soak.operations * soak.requestsPerOp;
  return [
    `Soak: round trips ${soak.directions.join(' and ')} at concurrency ${soak.concurrency} for ` +
      `${formatMinutes(soak.elapsedMs)} of ${formatMinutes(soak.durationMs)} minutes, RSS every ` +
      `${soak.sampleEveryMs / 1000} s; ${formatInt(soak.operations)} round trips ` +
      `(${formatInt(seconds > 0 ? requests / seconds : 0)} requests/s), ` +
      `${formatInt(soak.errors)} failed${failedText(share)}.`,
    '',
    render(soakMemoryTable(soak)),
    '',
    render(soakMinuteTable(soak)),
  ];
}
