import type { LoadResult } from './load';
import type { ScenarioId } from './options';
import {
  evaluateTargets,
  loadTable,
  parseBaseline,
  ratioToReference,
  ratioToStatus,
  referenceSpread,
  renderMarkdown,
  renderReport,
  renderText,
  soakMemory,
  soakMinuteTable,
  soakTargets,
  summarize,
  targetsMetLine,
  type Baseline,
  type BenchResults,
  type MemoryFigures,
  type ScenarioRun,
  type TargetResult,
} from './report';
import type { SoakRun, SoakSample } from './soak';

function result(opsPerSec: number, p99Ms: number, extra: Partial<LoadResult> = {}) {
  return {
    concurrency: 32,
    measuredMs: 5_000,
    operations: opsPerSec * 5,
    errors: 0,
    errorKinds: {},
    opsPerSec,
    requestsPerSec: opsPerSec,
    keysPerSec: opsPerSec,
    latency: { p50Ms: p99Ms / 4, p90Ms: p99Ms / 2, p99Ms, p999Ms: p99Ms, maxMs: p99Ms, meanMs: 1 },
    cpuPercent: { other: 0 },
    rssAfterMb: { 'kme-1': 100, 'kme-2': 100 },
    ...extra,
  };
}

function run(
  id: ScenarioId,
  concurrency: number,
  ...runs: ReturnType<typeof result>[]
): ScenarioRun {
  return { id, title: id, concurrency, runs };
}

const memory = (master: number, slave: number): MemoryFigures => ({
  keys: 1_000_000,
  keyBits: 256,
  master: { rssMb: master, peakRssMb: master },
  slave: { rssMb: slave, peakRssMb: slave },
});

const relay = {
  complete: true,
  keys: 1_000_000,
  ms: 1_000,
  mbitPerSec: 256,
  fromCount: 0,
  samples: 50,
};

const baselineOf = (load: Record<string, number>): Baseline => ({
  file: 'fastify-baseline.json',
  load: Object.fromEntries(Object.entries(load).map(([row, ops]) => [row, { opsPerSec: ops }])),
});

const byId = (targets: readonly TargetResult[]) =>
  Object.fromEntries(targets.map((target) => [target.id, target]));

describe('targets', () => {
  // Reference 10,000 req/s (mean of two runs); status 5,000 at the master KME, 4,000 at the slave.
  const scenarios = [
    run('reference', 32, result(9_000, 5), result(11_000, 5)),
    run('status', 32, result(5_000, 3)),
    run('status-slave', 32, result(4_000, 3)),
    run('enc-master', 32, result(3_600, 10)),
    run('enc-slave', 32, result(1_600, 60)),
    run('round-trip', 32, result(2_000, 20)),
    run('enc-master-128', 32, result(1_600, 30, { keysPerSec: 204_800 })),
  ];

  it('judges status against the mean of the reference runs at the same concurrency', () => {
    expect(ratioToReference(scenarios, scenarios[1])).toBeCloseTo(0.5);
    const targets = byId(evaluateTargets(scenarios, [1, 32], relay, memory(120, 160)));
    expect(targets['status-ratio']).toMatchObject({
      set: 'express',
      pass: true,
      measured: '0.50×',
      target: '≥ 0.40× reference',
    });
    const slow = [scenarios[0], run('status', 32, result(3_900, 3))];
    expect(byId(evaluateTargets(slow, [32], undefined, undefined))['status-ratio']).toMatchObject({
      pass: false,
      measured: '0.39×',
    });
  });

  it("judges the key routes against their own KME's status in the same run", () => {
    expect(ratioToStatus(scenarios, scenarios[3])).toBeCloseTo(0.72);
    expect(ratioToStatus(scenarios, scenarios[4])).toBeCloseTo(0.4);
    expect(ratioToStatus(scenarios, scenarios[1])).toBeUndefined();
    const targets = byId(evaluateTargets(scenarios, [1, 32], relay, memory(120, 160)));
    expect(targets['enc-master-status']).toMatchObject({
      set: 'durable',
      pass: true,
      measured: '0.72×',
      target: "≥ 0.70× the master KME's status",
    });
    // 1,600 against the slave KME's 4,000 (not the master KME's 5,000).
    expect(targets['enc-slave-status']).toMatchObject({
      pass: false,
      measured: '0.40×',
      target: "≥ 0.50× the slave KME's status",
    });
    // Round trips per second against the master KME's status requests per second.
    expect(targets['round-trip-status']).toMatchObject({ pass: true, measured: '0.40×' });
    expect(targets['enc-master-128-keys']).toMatchObject({
      pass: true,
      measured: '204,800 keys/s',
      target: '≥ 200,000 keys/s',
    });
    expect(targets.relay).toMatchObject({ pass: true, target: '≥ 120 Mbit/s' });
    expect(targets.relay.description).toContain('committed at both ends');
    expect(targets['memory-master']).toMatchObject({ pass: true });
    expect(targets['memory-slave']).toMatchObject({ pass: false });
    expect(targets.p99).toMatchObject({ pass: false, measured: '60.0 ms (enc-slave)' });
  });

  it('judges memory on the settled figure and names when it was read and the peak', () => {
    const settled: MemoryFigures = {
      ...memory(132, 168),
      settledMs: 20_000,
      master: { rssMb: 132, peakRssMb: 163 },
    };
    const targets = byId(evaluateTargets(scenarios, [1, 32], relay, settled));
    expect(targets['memory-master']).toMatchObject({
      pass: true,
      measured: '132.0 MB 20 s after the fill (peak 163.0 MB)',
    });
    expect(targets['memory-slave']).toMatchObject({ pass: false });
  });

  it('leaves the status ratios undecided without a status figure', () => {
    const targets = byId(
      evaluateTargets([scenarios[0], scenarios[3], scenarios[4]], [32], undefined, undefined),
    );
    expect(targets['enc-master-status'].pass).toBeUndefined();
    expect(targets['enc-slave-status'].pass).toBeUndefined();
  });

  it('fails a status ratio when the status requests themselves failed', () => {
    const failingStatus = run('status', 32, result(5_000, 3, { operations: 900, errors: 100 }));
    const targets = byId(
      evaluateTargets([failingStatus, scenarios[3]], [32], undefined, undefined),
    );
    expect(targets['enc-master-status']).toMatchObject({ pass: false });
    expect(targets['enc-master-status'].measured).toContain('status 10.0% failed');
  });

  it('says "no baseline given" on the baseline rows without --baseline', () => {
    const targets = evaluateTargets(scenarios, [32], relay, memory(1, 1));
    const rows = targets.filter((target) => target.id.endsWith('-baseline'));
    expect(rows.map((target) => target.id)).toEqual([
      'enc-master-baseline',
      'enc-slave-baseline',
      'round-trip-baseline',
      'enc-master-128-baseline',
    ]);
    for (const target of rows) {
      expect(target).toMatchObject({ set: 'express', measured: 'no baseline given' });
      expect(target.pass).toBeUndefined();
    }
  });

  it('keeps each key route within 10% of the baseline at concurrency 32', () => {
    const baseline = baselineOf({
      'enc-master@32': 4_000, // 3,600 now: 0.90×, just enough
      'enc-slave@32': 1_800, // 1,600 now: 0.89×
      'round-trip@32': 1_000, // 2,000 now: faster
      'enc-master-128@1': 500, // only at concurrency 1
      'enc-master@1': 1, // other concurrencies do not count
    });
    const targets = byId(evaluateTargets(scenarios, [1, 32], relay, memory(1, 1), baseline));
    expect(targets['enc-master-baseline']).toMatchObject({
      pass: true,
      measured: '3,600 ops/s against 4,000 (0.90×)',
      target: '≥ 0.90× baseline ops/s',
    });
    expect(targets['enc-slave-baseline']).toMatchObject({ pass: false });
    expect(targets['round-trip-baseline']).toMatchObject({ pass: true });
    expect(targets['enc-master-128-baseline']).toMatchObject({
      pass: undefined,
      measured: 'not in the baseline',
    });
  });

  it('fails a baseline row whose requests failed, and cannot judge one not measured', () => {
    const baseline = baselineOf({ 'enc-master@32': 1_000, 'enc-slave@32': 1_000 });
    const failing = [run('enc-master', 32, result(2_000, 5, { operations: 900, errors: 100 }))];
    const targets = byId(evaluateTargets(failing, [32], undefined, undefined, baseline));
    expect(targets['enc-master-baseline'].pass).toBe(false);
    expect(targets['enc-master-baseline'].measured).toContain('10.0% failed');
    expect(targets['enc-slave-baseline'].pass).toBeUndefined();
    expect(targets['enc-slave-baseline'].measured).toBeUndefined();
  });

  it('judges p99 row by row, and the reference not at all', () => {
    const p99 = evaluateTargets(scenarios, [1, 32], relay, memory(1, 1)).find(
      (target) => target.id === 'p99',
    );
    expect(p99?.rows.map(({ id, pass }) => [id, pass])).toEqual([
      ['status', true],
      ['status-slave', true],
      ['enc-master', true],
      ['enc-slave', false],
      ['round-trip', true],
      ['enc-master-128', true],
    ]);
  });

  it('leaves what was not measured undecided', () => {
    const targets = evaluateTargets([], [1, 32], undefined, undefined);
    expect(targets.every((target) => target.pass === undefined)).toBe(true);
    expect(new Set(targets.map((target) => target.set))).toEqual(new Set(['express', 'durable']));
    expect(targetsMetLine(targets)).toBe(`Targets met: 0 of 0 (${targets.length} not judged).`);
  });

  it('judges at the highest concurrency when 32 was not run', () => {
    const targets = evaluateTargets(
      [run('reference', 8, result(1_000, 5)), run('status', 8, result(600, 5))],
      [1, 8],
      undefined,
      undefined,
    );
    expect(targets[0]).toMatchObject({ id: 'status-ratio', pass: true });
    expect(targets[0].description).toContain('concurrency 8');
  });

  it('measures the spread of the reference runs', () => {
    expect(referenceSpread(scenarios[0])).toBeCloseTo(0.2);
    expect(referenceSpread(scenarios[1])).toBe(0);
  });

  it('summarizes the figures per scenario and concurrency', () => {
    const figures = summarize(scenarios, relay, memory(120, 160));
    expect(figures.load['reference@32']).toMatchObject({
      opsPerSec: 10_000,
      ratioToReference: undefined,
    });
    expect(figures.load['enc-master@32']).toMatchObject({
      opsPerSec: 3_600,
      ratioToReference: 0.36,
    });
    expect(figures.load['enc-master@32'].ratioToStatus).toBeCloseTo(0.72);
    expect(figures.load['status@32'].ratioToStatus).toBeUndefined();
    expect(figures.rssMb).toEqual({ master: 120, slave: 160 });
  });
});

describe('baseline files', () => {
  it('reads the load figures of a saved results file', () => {
    const text = JSON.stringify({
      timestamp: '2026-11-26T07:27:47.996Z',
      machine: { cpuModel: 'AMD EPYC', cores: 2 },
      settings: { kmeEnvironment: { KEY_RATE_BPS: '0' } },
      figures: {
        load: {
          'enc-master@32': { opsPerSec: 6349, keysPerSec: 6349 },
          'broken@32': { keysPerSec: 1 },
        },
      },
    });
    expect(parseBaseline(text, 'b.json')).toEqual({
      file: 'b.json',
      timestamp: '2026-11-26T07:27:47.996Z',
      machine: 'AMD EPYC, 2 cores',
      store: undefined,
      durability: undefined,
      load: { 'enc-master@32': { opsPerSec: 6349 } },
    });
  });

  it('names the store and durability of a newer file', () => {
    const text = JSON.stringify({
      durability: 'power',
      settings: { store: 'sqlite' },
      figures: { load: { 'status@32': { opsPerSec: 1 } } },
    });
    expect(parseBaseline(text, 'b.json')).toMatchObject({ store: 'sqlite', durability: 'power' });
  });

  it.each([
    ['not json', /not JSON/],
    ['[]', /not a bench results file/],
    ['{"figures":{}}', /not a bench results file/],
    ['{"figures":{"load":{}}}', /no load figures/],
  ])('refuses %s', (text, why) => {
    expect(() => parseBaseline(text, 'b.json')).toThrow(why);
  });
});

describe('soak', () => {
  const sample = (atMs: number, master: number, slave: number): SoakSample => ({
    atMs,
    rssMb: { 'kme-1': master, 'kme-2': slave },
  });
  const soakOf = (samples: SoakSample[], extra: Partial<SoakRun> = {}): SoakRun => ({
    durationMs: 180_000,
    elapsedMs: 180_000,
    concurrency: 32,
    directions: ['master→slave', 'slave→master'],
    requestsPerOp: 2,
    sampleEveryMs: 5_000,
    bucketMs: 60_000,
    samples,
    buckets: [
      {
        fromMs: 0,
        toMs: 60_000,
        operations: { 'master→slave': 60_000, 'slave→master': 30_000 },
        errors: 0,
        requestsPerSec: 3_000,
      },
      {
        fromMs: 60_000,
        toMs: 90_000,
        operations: { 'master→slave': 30_000, 'slave→master': 15_000 },
        errors: 2,
        requestsPerSec: 3_000,
      },
    ],
    operations: 1_000_000,
    errors: 0,
    errorKinds: {},
    complete: true,
    ...extra,
  });
  // Peaks of the first minute: 100 and 100, with a GC trough (90, 95) at 60 s. Peaks of the last
  // minute (from 120,010 ms): the master KME's 10% higher exactly, the slave KME's 20%; the 140 at
  // 120,000 ms is before it.
  const samples = [
    sample(0, 80, 90),
    sample(30_000, 100, 100),
    sample(60_000, 90, 95),
    sample(120_000, 140, 130),
    sample(150_000, 105, 118),
    sample(180_010, 110, 120),
  ];

  it("compares the peak of the last minute with the first minute's, and reports the max", () => {
    expect(soakMemory(soakOf(samples), 'kme-1')).toEqual({
      startMb: 80,
      firstMinuteMb: 100,
      lastMinuteMb: 110,
      endMb: 110,
      maxMb: 140,
      ratio: 1.1,
      pass: true,
    });
    expect(soakMemory(soakOf(samples), 'kme-2')).toMatchObject({
      lastMinuteMb: 120,
      ratio: 1.2,
      pass: false,
    });
  });

  it('is not misled by a sample that falls in a GC trough at the end of the first minute', () => {
    // Against the 90 MB read at 60 s, the master KME's 110 would be 1.22x.
    const trough = soakOf([
      ...samples.slice(0, 3),
      sample(150_000, 105, 100),
      sample(180_010, 110, 100),
    ]);
    expect(soakMemory(trough, 'kme-1')).toMatchObject({ firstMinuteMb: 100, pass: true });
  });

  it('gives one target per KME in the soak set', () => {
    const targets = soakTargets(soakOf(samples));
    expect(targets.map(({ id, set, pass }) => [id, set, pass])).toEqual([
      ['soak-master', 'soak', true],
      ['soak-slave', 'soak', false],
    ]);
    expect(targets[0].description).toContain('3-minute soak');
    expect(targets[0].measured).toBe('110.0 MB against 100.0 (1.10×)');
    expect(targetsMetLine(targets)).toBe('Targets met: 1 of 2.');
  });

  it('cannot judge a soak shorter than two minutes', () => {
    const short = soakOf([sample(0, 80, 80), sample(30_000, 90, 90)], {
      durationMs: 30_000,
      elapsedMs: 30_000,
    });
    expect(soakMemory(short, 'kme-1')).toMatchObject({ endMb: 90, ratio: undefined });
    expect(soakTargets(short)[0]).toMatchObject({ pass: undefined });
    expect(soakTargets(short)[0].measured).toContain('shorter than two minutes is not judged');
    const overlapping = soakOf(
      [sample(0, 80, 80), sample(60_000, 90, 90), sample(90_000, 91, 91)],
      { durationMs: 90_000, elapsedMs: 90_000 },
    );
    expect(soakMemory(overlapping, 'kme-1').pass).toBeUndefined();
  });

  it('fails a soak whose round trips failed too often, whatever its memory', () => {
    const failing = soakOf(samples, { operations: 990, errors: 10 });
    expect(soakMemory(failing, 'kme-1')).toMatchObject({ ratio: 1.1, pass: false });
    expect(soakTargets(failing)[0].measured).toContain('1.0% failed');
  });

  it('shows the rates minute by minute, a short last minute marked', () => {
    const table = soakMinuteTable(soakOf(samples));
    expect(table.headers).toEqual([
      'Minute',
      'master→slave round trips/s',
      'slave→master round trips/s',
      'requests/s',
      'Errors',
      'RSS kme-1, MB',
      'RSS kme-2, MB',
    ]);
    expect(table.rows).toEqual([
      ['1', '1,000', '500', '3,000', '0', '90.0', '95.0'],
      // The last minute's RSS is the soak's last sample.
      ['2 (30 s)', '1,000', '500', '3,000', '2', '110.0', '120.0'],
    ]);
  });

  it('reports a soak run alone, with its verdict', () => {
    const soak = soakOf(samples);
    const text = renderReport(
      {
        ...resultsOf([]),
        soak,
        settings: { ...resultsOf([]).settings, soakMinutes: 3 },
        targets: soakTargets(soak),
      },
      false,
    );
    expect(text).toContain('A 3-minute soak');
    expect(text).toContain('Soak (issue 10):');
    expect(text).toContain('Targets met: 1 of 2.');
    expect(text).not.toContain('Express platform');
  });
});

function resultsOf(
  scenarios: readonly ScenarioRun[],
  extra: Partial<BenchResults> = {},
): BenchResults {
  return {
    timestamp: '2026-01-01T00:00:00.000Z',
    machine: {
      cpuModel: 'cpu',
      cores: 2,
      memoryMb: 2048,
      os: 'Linux',
      node: 'v20',
      loadAverageStart: 0,
    },
    settings: {
      durationSec: 5,
      warmupSec: 1,
      concurrencies: [32],
      broker: 'b',
      store: 'sqlite',
      durabilities: ['process'],
      kmeEnvironment: {},
    },
    durability: 'process',
    figures: summarize(scenarios, undefined, undefined),
    scenarios,
    targets: evaluateTargets(scenarios, [32], undefined, undefined, extra.baseline),
    complete: true,
    ...extra,
  };
}

describe('tables', () => {
  const scenarios = [
    run('reference', 32, result(10_000, 5)),
    run('status', 32, result(8_000, 4, { keysPerSec: 0 })),
    run('enc-master', 32, result(6_000, 10)),
  ];
  const results = resultsOf(scenarios);

  it('shows each KME figure with its ratios to the reference and its own status, and the verdict', () => {
    const table = loadTable(results.scenarios, results.targets);
    expect(table.headers).toEqual([
      'Scenario',
      'Conc.',
      'ops/s (× ref)',
      '× own status',
      'keys/s',
      'p50 ms (× ref)',
      'p99 ms (× ref)',
      'Errors',
      'Target',
      'Result',
    ]);
    expect(table.rows[1]).toEqual([
      'status',
      '32',
      '8,000 (0.80×)',
      '—',
      '—',
      '1.00 (0.80×)',
      '4.00 (0.80×)',
      '0',
      '≥ 0.40× reference; ≤ 50 ms',
      'PASS',
    ]);
    // Its baseline row is not judged (no baseline), so the row is undecided as a whole.
    expect(table.rows[2]).toEqual([
      'enc-master',
      '32',
      '6,000 (0.60×)',
      '0.75×',
      '6,000',
      '2.50 (2.00×)',
      '10.0 (2.00×)',
      '0',
      "≥ 0.90× baseline ops/s; ≥ 0.70× the master KME's status; ≤ 50 ms",
      '—',
    ]);
  });

  it('prints the baseline figures beside the new ones when given', () => {
    const baseline = baselineOf({ 'enc-master@32': 5_000, 'reference@32': 9_000 });
    const withBaseline = resultsOf(scenarios, { baseline });
    const table = loadTable(withBaseline.scenarios, withBaseline.targets, baseline);
    const column = table.headers.indexOf('Baseline ops/s');
    expect(column).toBe(8);
    expect(table.rows.map((row) => row[column])).toEqual([
      '9,000 (now 1.11×)',
      '—',
      '5,000 (now 1.20×)',
    ]);
    expect(table.rows[2].at(-1)).toBe('PASS');
    const markdown = renderReport(withBaseline, true);
    expect(markdown).toContain('| Baseline ops/s |');
    expect(markdown).toContain('| 5,000 (now 1.20×) |');
    expect(markdown).toContain('Baseline: fastify-baseline.json.');
  });

  it('heads the report with the store and durability, and a table per set of targets', () => {
    const text = renderReport(results, false);
    expect(text.split('\n')[0]).toMatch(/; store sqlite, durability process\.$/);
    expect(text).toContain('Express platform (issue 9):');
    expect(text).toContain('Durable KMEs (issue 10):');
    expect(text).toContain('no baseline given');
    expect(text.match(/^Targets met: /gm)).toHaveLength(2);
  });

  it('reports both durabilities, and says the targets are judged on process', () => {
    const power = [run('reference', 32, result(10_000, 5)), run('status', 32, result(7_000, 4))];
    const both = resultsOf(scenarios, {
      settings: { ...results.settings, durabilities: ['process', 'power'] },
      relay,
      otherSuites: [
        {
          durability: 'power',
          figures: summarize(power, relay, memory(110, 120)),
          scenarios: power,
          relay,
          memory: memory(110, 120),
        },
      ],
    });
    const text = renderReport(both, false);
    expect(text.split('\n')[0]).toContain(
      'store sqlite, durability process and power (the whole suite once each, on a fresh pair; ' +
        'targets judged on process)',
    );
    expect(text).toContain('Durability process (the targets are judged on this suite):');
    expect(text).toContain('Durability power (not judged):');
    expect(text).toContain('7,000 (0.70×)');
    expect(text).toContain('master 110.0 MB, slave 120.0 MB');
  });

  it('warns when the baseline comes from another machine', () => {
    const baseline = { ...baselineOf({ 'enc-master@32': 5_000 }), machine: 'other, 8 cores' };
    expect(renderReport(resultsOf(scenarios, { baseline }), false)).toContain(
      'The baseline was measured on another machine (other, 8 cores)',
    );
    const same = { ...baseline, machine: 'cpu, 2 cores' };
    expect(renderReport(resultsOf(scenarios, { baseline: same }), false)).not.toContain(
      'another machine',
    );
  });

  it('renders aligned text and markdown', () => {
    const table = {
      headers: ['a', 'n'],
      align: ['left', 'right'] as const,
      rows: [
        ['xyz', '1'],
        ['b|c', '22'],
      ],
    };
    expect(renderText(table).split('\n')).toEqual(['a     n', '───  ──', 'xyz   1', 'b|c  22']);
    expect(renderMarkdown(table).split('\n')).toEqual([
      '| a | n |',
      '| --- | ---: |',
      '| xyz | 1 |',
      '| b\\|c | 22 |',
    ]);
  });
});
