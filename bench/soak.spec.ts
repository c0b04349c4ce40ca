import { setTimeout as delay } from 'node:timers/promises';
import { EtsiUnavailableError } from '@app/etsi-client';
import { runSoak, type SoakSpec } from './soak';

function spec(overrides: Partial<SoakSpec> = {}): SoakSpec {
  let rss = 100;
  return {
    durationMs: 300,
    concurrency: 4,
    directions: [
      { name: 'a→b', op: () => delay(2) },
      { name: 'b→a', op: () => delay(20) },
    ],
    requestsPerOp: 2,
    readRss: () => ({ 'kme-1': (rss += 1), 'kme-2': 50 }),
    sampleEveryMs: 50,
    bucketMs: 100,
    signal: new AbortController().signal,
    ...overrides,
  };
}

describe('runSoak', () => {
  it('runs each direction on its share of the workers, counted per bucket', async () => {
    // How many operations of each direction run at once: its share of the 4 workers.
    const running = { 'a→b': 0, 'b→a': 0 };
    const most = { 'a→b': 0, 'b→a': 0 };
    const tracked = (name: 'a→b' | 'b→a', ms: number) => async () => {
      running[name] += 1;
      most[name] = Math.max(most[name], running[name]);
      try {
        await delay(ms);
      } finally {
        running[name] -= 1;
      }
    };
    const soak = await runSoak(
      spec({
        directions: [
          { name: 'a→b', op: tracked('a→b', 2) },
          { name: 'b→a', op: tracked('b→a', 20) },
        ],
      }),
    );
    expect(most).toEqual({ 'a→b': 2, 'b→a': 2 });
    expect(soak).toMatchObject({
      complete: true,
      elapsedMs: 300,
      directions: ['a→b', 'b→a'],
      errors: 0,
    });
    expect(soak.buckets.map(({ fromMs, toMs }) => [fromMs, toMs])).toEqual([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    for (const bucket of soak.buckets) {
      const done = bucket.operations['a→b'] + bucket.operations['b→a'];
      expect(bucket.requestsPerSec).toBeCloseTo((done * 2 * 1000) / 100);
    }
    const total = (name: 'a→b' | 'b→a') =>
      soak.buckets.reduce((sum, bucket) => sum + bucket.operations[name], 0);
    expect(total('a→b') + total('b→a')).toBe(soak.operations);
    // Over the whole run, not per bucket (a stalled event loop can leave one bucket nearly
    // empty): two workers each way, about 300 operations of 2 ms against 30 of 20.
    expect(total('a→b')).toBeGreaterThan(2 * total('b→a'));
    expect(total('b→a')).toBeGreaterThan(0);
  });

  it('samples the memory at the start, every interval and at the end', async () => {
    const soak = await runSoak(spec());
    expect(soak.samples[0].atMs).toBeLessThan(5);
    expect(soak.samples.at(-1)!.atMs).toBeGreaterThanOrEqual(300);
    expect(soak.samples.length).toBeGreaterThanOrEqual(6);
    expect(soak.samples.map((sample) => sample.rssMb['kme-1'])).toEqual(
      soak.samples.map((_, index) => 101 + index),
    );
  });

  it('counts failures by kind and keeps going', async () => {
    let calls = 0;
    const soak = await runSoak(
      spec({
        durationMs: 200,
        directions: [
          {
            name: 'a→b',
            op: async () => {
              await delay(2);
              calls += 1;
              if (calls % 2 === 0) {
                throw new EtsiUnavailableError({
                  status: 503,
                  message: 'no keys',
                  body: '{"message":"no keys"}',
                  url: 'https://kme.invalid/api/v1/keys/sae-2/enc_keys',
                });
              }
            },
          },
        ],
      }),
    );
    expect(soak.errors).toBeGreaterThan(0);
    expect(soak.operations).toBeGreaterThan(0);
    expect(soak.errorKinds['HTTP 503']).toMatchObject({ count: soak.errors });
    expect(soak.buckets.reduce((sum, bucket) => sum + bucket.errors, 0)).toBe(soak.errors);
  });

  it('ends early on abort with what it gathered, incomplete', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 120);
    const soak = await runSoak(spec({ durationMs: 10_000, bucketMs: 100, signal: abort.signal }));
    expect(soak.complete).toBe(false);
    expect(soak.elapsedMs).toBeGreaterThanOrEqual(110);
    expect(soak.elapsedMs).toBeLessThan(1_000);
    expect(soak.buckets.length).toBe(Math.ceil(soak.elapsedMs / 100));
    expect(soak.buckets[1].toMs).toBe(soak.elapsedMs);
  });

  it('stops when a process can no longer be read', async () => {
    let reads = 0;
    await expect(
      runSoak(
        spec({
          readRss: () => {
            reads += 1;
            if (reads > 2) throw new Error('/proc/1234/status: no such file');
            return { 'kme-1': 1 };
          },
          durationMs: 5_000,
        }),
      ),
    ).rejects.toThrow('no such file');
  });
});
