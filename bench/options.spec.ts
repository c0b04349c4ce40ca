import { judgedDurability, parseBenchArgs, USAGE, UsageError } from './options';

describe('parseBenchArgs', () => {
  it('defaults to 5 s after 1 s of warm-up at concurrency 1 and 32, every scenario', () => {
    const options = parseBenchArgs([]);
    expect(options).toMatchObject({
      durationSec: 5,
      warmupSec: 1,
      concurrencies: [1, 32],
      relay: true,
      referenceTwice: true,
      build: 'auto',
      markdown: false,
      save: true,
      strict: false,
      store: 'sqlite',
      durabilities: ['process'],
      baselineFile: undefined,
      soakMinutes: undefined,
    });
    expect(options.scenarios[0]).toBe('reference');
    expect(options.scenarios).toHaveLength(7);
    expect(options.scenarios).toContain('status-slave');
  });

  it('takes the key store, the durability and a baseline file', () => {
    expect(
      parseBenchArgs([
        '--store',
        'memory',
        '--durability',
        'power',
        '--baseline',
        'bench/results/fastify-baseline.json',
      ]),
    ).toMatchObject({
      store: 'memory',
      durabilities: ['power'],
      baselineFile: 'bench/results/fastify-baseline.json',
    });
  });

  it('runs process then power with --durability both, and judges process', () => {
    const { durabilities } = parseBenchArgs(['--durability', 'both']);
    expect(durabilities).toEqual(['process', 'power']);
    expect(judgedDurability(durabilities)).toBe('process');
    expect(judgedDurability(['power'])).toBe('power');
  });

  it('takes --soak in minutes, fractions too', () => {
    expect(parseBenchArgs(['--soak', '10']).soakMinutes).toBe(10);
    expect(parseBenchArgs(['--soak', '1.5', '--durability', 'both'])).toMatchObject({
      soakMinutes: 1.5,
      durabilities: ['process', 'power'],
    });
  });

  it('measures the built KMEs of another checkout as they are with --kmes-from', () => {
    const options = parseBenchArgs(['--kmes-from', '../fastify-base']);
    expect(options.kmesFrom).toMatch(/^\/.*fastify-base$/);
    expect(options.build).toBe('skip');
    expect(parseBenchArgs([]).kmesFrom).toBeUndefined();
    expect(() => parseBenchArgs(['--kmes-from', 'x', '--rebuild'])).toThrow(UsageError);
  });

  it('saves to the file --out names instead of bench/results/', () => {
    expect(parseBenchArgs(['--out', 'tmp/run.json']).outFile).toMatch(/^\/.*\/tmp\/run\.json$/);
    expect(parseBenchArgs([]).outFile).toBeUndefined();
  });

  it('lists the new options in its usage text', () => {
    for (const flag of ['--store', '--durability', '--baseline', '--soak', 'status-slave']) {
      expect(USAGE).toContain(flag);
    }
  });

  it('shortens everything with --quick, explicit values still winning', () => {
    expect(parseBenchArgs(['--quick'])).toMatchObject({
      durationSec: 2,
      warmupSec: 0.5,
      referenceTwice: false,
    });
    expect(parseBenchArgs(['--quick', '--duration', '3']).durationSec).toBe(3);
  });

  it('keeps the reference whatever --only names, in the order scenarios run', () => {
    expect(parseBenchArgs(['--only', 'round-trip,status']).scenarios).toEqual([
      'reference',
      'status',
      'round-trip',
    ]);
  });

  it('sorts and deduplicates --concurrency', () => {
    expect(parseBenchArgs(['--concurrency', '32,1,32,8']).concurrencies).toEqual([1, 8, 32]);
  });

  it.each([
    [['--only', 'nope']],
    [['--only', 'reference']],
    [['--concurrency', '0']],
    [['--concurrency', '2.5']],
    [['--duration', 'x']],
    [['--duration', '0']],
    [['--no-build', '--rebuild']],
    [['--unknown']],
    [['--store', 'disk']],
    [['--store']],
    [['--durability', 'fsync']],
    [['--baseline', '']],
    [['--out', '']],
    [['--out', 'x.json', '--no-save']],
    [['--soak', '0']],
    [['--soak', 'ten']],
    [['--soak', '']],
    [['--soak', '10', '--only', 'status']],
    [['--soak', '10', '--concurrency', '8']],
    [['--soak', '10', '--quick']],
    [['--soak', '10', '--duration', '3']],
    [['--soak', '10', '--baseline', 'x.json']],
    [['positional']],
  ])('refuses %j', (argv) => {
    expect(() => parseBenchArgs(argv)).toThrow(UsageError);
  });
});
