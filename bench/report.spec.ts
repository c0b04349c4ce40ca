import type { LoadResult } from './load';
import type { ScenarioId } from './options';
import {
  evaluateTargets,
  loadTable,
  ratioToReference,
  referenceSpread,
  renderMarkdown,
  renderText,
  summarize,
  type BenchResults,
  type MemoryFigures,
  type ScenarioRun,
} from './report';

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

describe('targets', () => {
  const scenarios = [
    run('reference', 32, result(9_000, 5), result(11_000, 5)),
    run('status', 32, result(20_000, 3)),
    run('enc-master', 32, result(6_000, 10)),
    run('enc-slave', 32, result(2_000, 60)),
    run('round-trip', 32, result(2_500, 20)),
    run('enc-master-128', 32, result(1_000, 30, { keysPerSec: 128_000 })),
  ];

  it('judges ratios against the mean of the reference runs at the same concurrency', () => {
    expect(ratioToReference(scenarios, scenarios[2])).toBeCloseTo(0.6);
    const targets = evaluateTargets(scenarios, [1, 32], relay, memory(120, 160));
    const byId = Object.fromEntries(targets.map((target) => [target.id, target]));
    expect(byId['enc-master-ratio']).toMatchObject({ pass: true, measured: '0.60×' });
    expect(byId['enc-slave-ratio']).toMatchObject({ pass: false, measured: '0.20×' });
    expect(byId['round-trip-ratio']).toMatchObject({ pass: true, measured: '0.25×' });
    expect(byId['enc-master-128-keys']).toMatchObject({ pass: true });
    expect(byId.relay).toMatchObject({ pass: true });
    expect(byId['memory-master']).toMatchObject({ pass: true });
    expect(byId['memory-slave']).toMatchObject({ pass: false });
    expect(byId.p99).toMatchObject({ pass: false, measured: '60.0 ms (enc-slave)' });
  });

  it('judges p99 row by row, and the reference not at all', () => {
    const p99 = evaluateTargets(scenarios, [1, 32], relay, memory(1, 1)).find(
      (target) => target.id === 'p99',
    );
    expect(p99?.rows.map(({ id, pass }) => [id, pass])).toEqual([
      ['status', true],
      ['enc-master', true],
      ['enc-slave', false],
      ['round-trip', true],
      ['enc-master-128', true],
    ]);
  });

  it('fails a fast figure whose requests failed', () => {
    const failing = [
      scenarios[0],
      run('enc-master', 32, result(10_000, 5, { operations: 900, errors: 100 })),
    ];
    const target = evaluateTargets(failing, [1, 32], undefined, undefined)[0];
    expect(target.pass).toBe(false);
    expect(target.measured).toBe('1.00×, 10.0% failed');
  });

  it('leaves what was not measured undecided', () => {
    const targets = evaluateTargets([], [1, 32], undefined, undefined);
    expect(targets.every((target) => target.pass === undefined)).toBe(true);
  });

  it('judges at the highest concurrency when 32 was not run', () => {
    const targets = evaluateTargets(
      [run('reference', 8, result(1_000, 5)), run('enc-master', 8, result(600, 5))],
      [1, 8],
      undefined,
      undefined,
    );
    expect(targets[0].pass).toBe(true);
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
      opsPerSec: 6_000,
      ratioToReference: 0.6,
    });
    expect(figures.rssMb).toEqual({ master: 120, slave: 160 });
  });
});

describe('tables', () => {
  const scenarios = [
    run('reference', 32, result(10_000, 5)),
    run('enc-master', 32, result(6_000, 10)),
  ];
  const results: BenchResults = {
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
      kmeEnvironment: {},
    },
    figures: summarize(scenarios, undefined, undefined),
    scenarios,
    targets: evaluateTargets(scenarios, [32], undefined, undefined),
    complete: true,
  };

  it('shows each KME figure with its ratio to the reference, and the row verdict', () => {
    const row = loadTable(results).rows[1];
    expect(row).toEqual([
      'enc-master',
      '32',
      '6,000 (0.60×)',
      '6,000',
      '2.50 (2.00×)',
      '10.0 (2.00×)',
      '0',
      '≥ 0.50× reference; ≤ 50 ms',
      'PASS',
    ]);
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
