import { parseBenchArgs, UsageError } from './options';

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
    });
    expect(options.scenarios[0]).toBe('reference');
    expect(options.scenarios).toHaveLength(6);
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
    [['positional']],
  ])('refuses %j', (argv) => {
    expect(() => parseBenchArgs(argv)).toThrow(UsageError);
  });
});
