import {
  abCpuTable,
  abTable,
  median,
  parseAbArgs,
  roundOrder,
  summarizeRounds,
  type AbRun,
} from './ab';
import { UsageError } from './options';
import { renderText } from './report';

/** A run's results as the summary reads them: ops/s per `<scenario>@<concurrency>`. */
function run(load: Record<string, number>): AbRun {
  return {
    figures: {
      load: Object.fromEntries(
        Object.entries(load).map(([key, opsPerSec]) => [key, { opsPerSec, keysPerSec: opsPerSec }]),
      ),
    },
    scenarios: Object.keys(load).map((key) => {
      const [id, concurrency] = key.split('@');
      return {
        id: id as AbRun['scenarios'][number]['id'],
        title: `title of ${id}`,
        concurrency: +concurrency,
      };
    }),
  };
}

describe('summarizeRounds', () => {
  it('gives each round its ratio B / A and the median of the rounds', () => {
    const rows = summarizeRounds([
      { a: run({ 'round-trip@32': 1000 }), b: run({ 'round-trip@32': 900 }) },
      { a: run({ 'round-trip@32': 1200 }), b: run({ 'round-trip@32': 1200 }) },
      { a: run({ 'round-trip@32': 800 }), b: run({ 'round-trip@32': 400 }) },
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      key: 'round-trip@32',
      a: [1000, 1200, 800],
      b: [900, 1200, 400],
    });
    expect(rows[0].ratios).toEqual([0.9, 1, 0.5]);
    // The median, not the mean (0.8): the round at 0.5 was one bad minute.
    expect(rows[0].medianRatio).toBe(0.9);
  });

  it('orders the rows as the bench runs them, and leaves a round without a figure out of the median', () => {
    const rows = summarizeRounds([
      {
        a: run({ 'enc-master-128@32': 800, 'reference@32': 6000, 'status@1': 2000 }),
        b: run({ 'enc-master-128@32': 1000, 'reference@32': 5400 }),
      },
      {
        a: run({ 'enc-master-128@32': 700, 'reference@32': 6000 }),
        b: run({ 'enc-master-128@32': 840, 'reference@32': 6600, 'status@1': 1500 }),
      },
    ]);
    expect(rows.map((row) => row.key)).toEqual(['reference@32', 'status@1', 'enc-master-128@32']);
    expect(rows[1]).toMatchObject({ a: [2000, undefined], b: [undefined, 1500] });
    expect(rows[1].ratios).toEqual([undefined, undefined]);
    expect(rows[1].medianRatio).toBeUndefined();
    expect(rows[2].medianRatio).toBeCloseTo(1.225, 10);
  });
});

describe('CPU per operation', () => {
  /** A run whose round-trip@32 served `ops` per second with this CPU (% of a core) per process. */
  const cpuRun = (ops: number, cpu: Record<string, number>): AbRun => ({
    figures: { load: { 'round-trip@32': { opsPerSec: ops, keysPerSec: ops } } },
    scenarios: [
      {
        id: 'round-trip',
        title: 'round trip',
        concurrency: 32,
        runs: [{ opsPerSec: ops, cpuPercent: cpu }],
      },
    ],
  });

  it("is each process's CPU time per operation, the median over the rounds, per build", () => {
    const rows = summarizeRounds([
      // 40% of a core at 1,000 ops/s: 400 µs per operation.
      { a: cpuRun(1000, { 'kme-1': 40, client: 50 }), b: cpuRun(800, { 'kme-1': 40, client: 40 }) },
      {
        a: cpuRun(1250, { 'kme-1': 40, client: 50 }),
        b: cpuRun(1000, { 'kme-1': 60, client: 50 }),
      },
      { a: cpuRun(500, { 'kme-1': 30, client: 25 }), b: cpuRun(900, { 'kme-1': 45, client: 45 }) },
    ]);
    expect(rows[0].cpuMicrosPerOp.a['kme-1']).toBeCloseTo(400, 6); // of 400, 320, 600
    expect(rows[0].cpuMicrosPerOp.b['kme-1']).toBeCloseTo(500, 6); // of 500, 600, 500
    expect(rows[0].cpuMicrosPerOp.a.client).toBeCloseTo(500, 6);
    expect(rows[0].cpuMicrosPerOp.a.broker).toBeUndefined();
    const text = renderText(abCpuTable(rows));
    expect(text).toMatch(/^round trip\s+32\s+500 → 500\s+400 → 500\s+— → —\s+— → —$/m);
  });

  it('leaves the reference out of the CPU table', () => {
    const rows = summarizeRounds([
      { a: run({ 'reference@32': 6000 }), b: run({ 'reference@32': 5000 }) },
    ]);
    expect(abCpuTable(rows).rows).toEqual([]);
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([undefined, 5])).toBe(5);
    expect(median([])).toBeUndefined();
  });
});

describe('abTable', () => {
  it('names the builds in its headers and puts the rounds side by side', () => {
    const rows = summarizeRounds([
      { a: run({ 'status@32': 6000 }), b: run({ 'status@32': 4500 }) },
      { a: run({ 'status@32': 5000 }), b: run({ 'status@32': 5000 }) },
    ]);
    const text = renderText(abTable(rows, 'e411f4a', '0a2d6b3'));
    expect(text).toContain('e411f4a ops/s, per round');
    expect(text).toContain('0a2d6b3 / e411f4a, per round');
    expect(text).toContain('6,000 / 5,000');
    expect(text).toContain('4,500 / 5,000');
    expect(text).toContain('0.75× / 1.00×');
    expect(text).toMatch(/title of status\s+32 .* 0\.88×\s+—$/m);
  });

  it('scales each round by the reference measured in it', () => {
    const rows = summarizeRounds([
      // The machine was 20% slower during B's run: B's 0.80× is the machine's, not B's.
      {
        a: run({ 'reference@32': 6000, 'status@32': 5000 }),
        b: run({ 'reference@32': 4800, 'status@32': 4000 }),
      },
      {
        a: run({ 'reference@32': 6000, 'status@32': 5000 }),
        b: run({ 'reference@32': 6000, 'status@32': 4200 }),
      },
      {
        a: run({ 'reference@32': 5000, 'status@32': 5000 }),
        b: run({ 'reference@32': 6000, 'status@32': 5400 }),
      },
    ]);
    const status = rows.find((row) => row.key === 'status@32')!;
    expect(status.ratios).toEqual([0.8, 0.84, 1.08]);
    expect(status.medianRatio).toBe(0.84);
    // Scaled: 0.8 / 0.8, 0.84 / 1, 1.08 / 1.2.
    expect(status.medianScaledRatio).toBeCloseTo(0.9, 10);
    expect(rows.find((row) => row.key === 'reference@32')!.medianScaledRatio).toBeUndefined();
    expect(renderText(abTable(rows, 'A', 'B'))).toMatch(
      /title of status\s+32 .* 0\.84×\s+0\.90×$/m,
    );
  });
});

describe('roundOrder', () => {
  it('alternates which build goes first', () => {
    expect([0, 1, 2, 3].map(roundOrder)).toEqual([
      ['a', 'b'],
      ['b', 'a'],
      ['a', 'b'],
      ['b', 'a'],
    ]);
  });
});

describe('parseAbArgs', () => {
  it('takes its own options and passes every other one to the bench runs', () => {
    const options = parseAbArgs([
      '--against',
      '../fastify-base',
      '--only',
      'round-trip',
      '--rounds',
      '5',
      '--concurrency',
      '32',
      '--markdown',
    ]);
    expect(options).toMatchObject({
      rounds: 5,
      markdown: true,
      benchArgs: ['--only', 'round-trip', '--concurrency', '32'],
    });
    expect(options.against).toMatch(/^\/.*fastify-base$/);
    expect(parseAbArgs(['--against', 'x']).rounds).toBe(3);
  });

  it('prints a saved run again with --report, measuring nothing', () => {
    const options = parseAbArgs(['--report', 'bench/results/ab-x.json', '--markdown']);
    expect(options.reportFile).toMatch(/^\/.*\/bench\/results\/ab-x\.json$/);
    expect(options.markdown).toBe(true);
  });

  it.each([
    [[]],
    [['--against']],
    [['--against', 'x', '--rounds', '0']],
    [['--against', 'x', '--rounds', '2.5']],
    [['--against', 'x', '--kmes-from', 'y']],
    [['--against', 'x', '--out', 'y.json']],
    [['--against', 'x', '--soak', '10']],
    [['--against', 'x', '--baseline', 'y.json']],
    [['--against', 'x', '--strict']],
    [['--report', 'x.json', '--against', 'y']],
    [['--report', 'x.json', '--only', 'status']],
    [['--report']],
  ])('refuses %j', (argv) => {
    expect(() => parseAbArgs(argv)).toThrow(UsageError);
  });
});
