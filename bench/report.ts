import type { LoadResult } from './load';
import type { ScenarioId } from './options';
import type { RelayResult } from './pool';
import type { MachineInfo, Memory } from './proc';

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
  readonly master: Memory;
  readonly slave: Memory;
}

export interface BenchResults {
  readonly timestamp: string;
  readonly machine: MachineInfo;
  readonly settings: {
    readonly durationSec: number;
    readonly warmupSec: number;
    readonly concurrencies: readonly number[];
    readonly broker: string;
    /** Environment the KMEs ran with, besides ports, PKI paths and the queue name. */
    readonly kmeEnvironment: Readonly<Record<string, string>>;
  };
  /** The headline figures, flat, to compare runs at a glance; details in `scenarios`. */
  readonly figures: Figures;
  readonly scenarios: readonly ScenarioRun[];
  readonly relay?: RelayResult;
  readonly memory?: MemoryFigures;
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
}

export interface Figures {
  readonly load: Readonly<Record<string, LoadFigure>>;
  readonly relayMbitPerSec?: number;
  readonly rssMb?: { readonly master: number; readonly slave: number };
}

export interface TargetResult {
  readonly id: string;
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

/** Target figures of issue #5, for a 2-core machine with the client on it. */
export const TARGETS = {
  encMasterRatio: 0.5,
  encSlaveRatio: 0.3,
  roundTripRatio: 0.25,
  enc128KeysPerSec: 100_000,
  relayMbitPerSec: 120,
  memoryMb: 150,
  p99Ms: 50,
  /** A figure whose operations failed more often than this does not meet its target. */
  maxErrorShare: 0.001,
} as const;

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

/** ", 3.2% failed" when operations failed. */
function failedNote(run: ScenarioRun | undefined): string {
  const share = errorShare(run);
  return share === 0 ? '' : `, ${(share * 100).toFixed(share < 0.01 ? 2 : 1)}% failed`;
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

/** A KME figure as a ratio to the reference's requests per second at the same concurrency. */
export function ratioToReference(
  scenarios: readonly ScenarioRun[],
  run: ScenarioRun,
): number | undefined {
  const value = opsPerSec(run);
  const reference = opsPerSec(findRun(scenarios, 'reference', run.concurrency));
  return value === undefined || reference === undefined || reference === 0
    ? undefined
    : value / reference;
}

export function summarize(
  scenarios: readonly ScenarioRun[],
  relay: RelayResult | undefined,
  memory: MemoryFigures | undefined,
): Figures {
  const load: Record<string, LoadFigure> = {};
  for (const run of scenarios) {
    const ops = opsPerSec(run);
    if (ops === undefined) continue;
    load[`${run.id}@${run.concurrency}`] = {
      opsPerSec: ops,
      keysPerSec: keysPerSec(run) ?? 0,
      p50Ms: latency(run, 'p50Ms'),
      p99Ms: latency(run, 'p99Ms'),
      ratioToReference: run.id === 'reference' ? undefined : ratioToReference(scenarios, run),
    };
  }
  return {
    load,
    relayMbitPerSec: relay?.mbitPerSec,
    rssMb: memory && { master: memory.master.rssMb, slave: memory.slave.rssMb },
  };
}

export function evaluateTargets(
  scenarios: readonly ScenarioRun[],
  concurrencies: readonly number[],
  relay: RelayResult | undefined,
  memory: MemoryFigures | undefined,
): TargetResult[] {
  const c = loadConcurrency(concurrencies);
  const atLoad = (id: ScenarioId) => findRun(scenarios, id, c);
  const ratioTarget = (
    id: ScenarioId,
    description: string,
    minimum: number,
    extra = '',
  ): TargetResult => {
    const run = atLoad(id);
    const ratio = run ? ratioToReference(scenarios, run) : undefined;
    const pass = ratio === undefined ? undefined : ratio >= minimum && reliable(run);
    return {
      id: `${id}-ratio`,
      description: `${description}, concurrency ${c}${extra}`,
      target: `≥ ${minimum.toFixed(2)}× reference`,
      measured: ratio === undefined ? undefined : `${ratio.toFixed(2)}×${failedNote(run)}`,
      pass,
      rows: [{ id, concurrency: c, pass }],
    };
  };

  const targets: TargetResult[] = [
    ratioTarget('enc-master', 'enc_keys 1×256 at the master KME', TARGETS.encMasterRatio),
    ratioTarget('enc-slave', 'enc_keys 1×256 at the slave KME', TARGETS.encSlaveRatio),
    ratioTarget(
      'round-trip',
      'enc→dec round trip across the KMEs',
      TARGETS.roundTripRatio,
      ' (round trips/s: two requests each)',
    ),
  ];

  const enc128Run = atLoad('enc-master-128');
  const enc128 = keysPerSec(enc128Run);
  const enc128Pass =
    enc128 === undefined ? undefined : enc128 >= TARGETS.enc128KeysPerSec && reliable(enc128Run);
  targets.push({
    id: 'enc-master-128-keys',
    description: `enc_keys 128×256 at the master KME, concurrency ${c}`,
    target: `≥ ${formatInt(TARGETS.enc128KeysPerSec)} keys/s`,
    measured:
      enc128 === undefined ? undefined : `${formatInt(enc128)} keys/s${failedNote(enc128Run)}`,
    pass: enc128Pass,
    rows: [{ id: 'enc-master-128', concurrency: c, pass: enc128Pass }],
  });

  targets.push({
    id: 'relay',
    description: "relay to the slave KME's pool, KEY_RATE_BPS=0",
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
      description: `resident memory of the ${role} KME, ${formatInt(memory?.keys ?? 1_000_000)} keys of 256 bits`,
      target: `≤ ${TARGETS.memoryMb} MB`,
      measured: figure === undefined ? undefined : `${figure.rssMb.toFixed(1)} MB`,
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
    description: `p99 latency, concurrency ${c}, any KME route`,
    target: `≤ ${TARGETS.p99Ms} ms`,
    measured: worst === undefined ? undefined : `${worst.p99.toFixed(1)} ms (${worst.run.title})`,
    pass: worst === undefined ? undefined : p99s.every(({ p99 }) => p99 <= TARGETS.p99Ms),
    rows: p99s.map(({ run, p99 }) => ({ id: run.id, concurrency: c, pass: p99 <= TARGETS.p99Ms })),
  });
  return targets;
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

function times(ratio: number | undefined): string {
  return ratio === undefined ? '' : ` (${ratio.toFixed(2)}×)`;
}

function verdict(pass: boolean | undefined): string {
  return pass === undefined ? '—' : pass ? 'PASS' : 'FAIL';
}

/** The load figures: one row per scenario and concurrency, with ratios to the reference. */
export function loadTable(results: BenchResults): Table {
  const rows = results.scenarios.map((run) => {
    const reference = findRun(results.scenarios, 'reference', run.concurrency);
    const applicable = results.targets.flatMap((target) =>
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
    if (run.runs.length === 0) {
      return [
        title,
        String(run.concurrency),
        `skipped: ${run.skipped ?? 'no result'}`,
        '',
        '',
        '',
        '',
        targetText,
        verdict(undefined),
      ];
    }
    const isReference = run.id === 'reference';
    const ops = opsPerSec(run)!;
    const keys = keysPerSec(run)!;
    const p50 = latency(run, 'p50Ms');
    const p99 = latency(run, 'p99Ms');
    const refP50 = latency(reference, 'p50Ms');
    const refP99 = latency(reference, 'p99Ms');
    const spread =
      isReference && run.runs.length > 1
        ? ` (${run.runs.map((result) => formatInt(result.opsPerSec)).join(' / ')})`
        : '';
    const errors = run.runs.reduce((sum, result) => sum + result.errors, 0);
    return [
      title,
      String(run.concurrency),
      `${formatInt(ops)}${isReference ? spread : times(ratioToReference(results.scenarios, run))}`,
      keys === 0 ? '—' : formatInt(keys),
      `${formatMs(p50)}${isReference || p50 === undefined || !refP50 ? '' : times(p50 / refP50)}`,
      `${formatMs(p99)}${isReference || p99 === undefined || !refP99 ? '' : times(p99 / refP99)}`,
      formatInt(errors),
      targetText,
      verdict(pass),
    ];
  });
  return {
    headers: [
      'Scenario',
      'Conc.',
      'ops/s (× ref)',
      'keys/s',
      'p50 ms (× ref)',
      'p99 ms (× ref)',
      'Errors',
      'Target',
      'Result',
    ],
    align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'left'],
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

/** One line naming the machine and how the figures were taken. */
export function machineLine(results: BenchResults): string {
  const { machine, settings } = results;
  const end =
    machine.loadAverageEnd === undefined ? '' : `, ${machine.loadAverageEnd.toFixed(2)} at the end`;
  return (
    `${machine.cpuModel}, ${machine.cores} cores, ${(machine.memoryMb / 1024).toFixed(1)} GiB, ` +
    `${machine.os}, Node ${machine.node}; load average ${machine.loadAverageStart.toFixed(2)} at the start${end}. ` +
    `${settings.durationSec} s per figure after ${settings.warmupSec} s warm-up, client on the same machine, ` +
    `broker: ${settings.broker}.`
  );
}

/** What the bench prints at the end; markdown when asked, for the README. */
export function renderReport(results: BenchResults, markdown: boolean): string {
  const render = markdown ? renderMarkdown : renderText;
  const sections = [
    markdown
      ? `Measured ${results.timestamp} on ${machineLine(results)}`
      : `Machine: ${machineLine(results)}`,
    '',
    render(loadTable(results)),
    '',
    render(targetTable(results.targets)),
  ];
  const met = results.targets.filter((target) => target.pass === true).length;
  const judged = results.targets.filter((target) => target.pass !== undefined).length;
  sections.push(
    '',
    `Targets met: ${met} of ${judged}${judged < results.targets.length ? ` (${results.targets.length - judged} not measured)` : ''}.`,
  );
  const notes: string[] = [];
  if (results.scenarios.some(isNoisy)) {
    notes.push(
      `* other processes used more than ${NOISY_OTHER_CPU_PERCENT}% of a core during this figure: it is noisy.`,
    );
  }
  for (const run of results.scenarios.filter((entry) => entry.id === 'reference')) {
    const spread = referenceSpread(run);
    if (spread > UNSTEADY_REFERENCE_SPREAD) {
      notes.push(
        `The reference at concurrency ${run.concurrency} varied by ${(spread * 100).toFixed(0)}% ` +
          'between the first and the last run: the machine was not steady.',
      );
    }
  }
  if (notes.length > 0) sections.push('', ...notes);
  if (!results.complete) sections.push('', 'INCOMPLETE RUN: interrupted or failed part-way.');
  return sections.join('\n');
}
