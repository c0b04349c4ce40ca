import { setTimeout as delay } from 'node:timers/promises';
import { errorKind } from './client';
import type { ErrorCount } from './load';

/** After a failed operation a worker pauses, so a refused connection does not spin the CPU. */
const ERROR_PAUSE_MS = 5;

export interface SoakDirection {
  readonly name: string;
  /** One operation; rejects on any failure. */
  readonly op: () => Promise<void>;
}

export interface SoakSpec {
  readonly durationMs: number;
  /** Workers in all; worker i runs direction i mod directions.length, back to back. */
  readonly concurrency: number;
  readonly directions: readonly SoakDirection[];
  readonly requestsPerOp: number;
  /** Resident memory of each process watched, in MiB, by name; throws when one cannot be read. */
  readonly readRss: () => Readonly<Record<string, number>>;
  readonly sampleEveryMs: number;
  /** Length of a bucket of the per-minute rates. */
  readonly bucketMs: number;
  readonly signal: AbortSignal;
  readonly onSample?: (sample: SoakSample, operations: number, errors: number) => void;
}

/** Resident memory of each process, `atMs` after the soak began. */
export interface SoakSample {
  readonly atMs: number;
  readonly rssMb: Readonly<Record<string, number>>;
}

/** What completed in one bucket (a minute) of the soak. */
export interface SoakBucket {
  readonly fromMs: number;
  readonly toMs: number;
  /** Successful operations by direction name. */
  readonly operations: Readonly<Record<string, number>>;
  readonly errors: number;
  /** Successful requests per second over the bucket, all directions. */
  readonly requestsPerSec: number;
}

export interface SoakRun {
  /** Planned length; `elapsedMs` is what ran (less when interrupted). */
  readonly durationMs: number;
  readonly elapsedMs: number;
  readonly concurrency: number;
  readonly directions: readonly string[];
  readonly requestsPerOp: number;
  readonly sampleEveryMs: number;
  readonly bucketMs: number;
  /** Samples from 0 ms (before the first request) to the end. */
  readonly samples: readonly SoakSample[];
  readonly buckets: readonly SoakBucket[];
  readonly operations: number;
  readonly errors: number;
  readonly errorKinds: Record<string, ErrorCount>;
  /** False when it was interrupted before its time was up. */
  readonly complete: boolean;
}

/**
 * Closed-loop workers over the directions for `durationMs`, the processes' RSS sampled every
 * `sampleEveryMs` (and once at the start and once at the end), completions counted per bucket.
 * An abort ends it early with what was gathered, `complete: false`.
 */
export async function runSoak(spec: SoakSpec): Promise<SoakRun> {
  const began = performance.now();
  const end = began + spec.durationMs;
  const since = () => performance.now() - began;
  const bucketCount = Math.max(1, Math.ceil(spec.durationMs / spec.bucketMs));
  const counts = Array.from({ length: bucketCount }, () => ({
    operations: Object.fromEntries(spec.directions.map(({ name }) => [name, 0])),
    errors: 0,
  }));
  const bucketAt = (ms: number) =>
    counts[Math.min(bucketCount - 1, Math.floor(ms / spec.bucketMs))];
  let operations = 0;
  let errors = 0;
  const errorKinds: Record<string, ErrorCount> = {};
  const samples: SoakSample[] = [];
  let sampleError: Error | undefined;
  const sample = () => {
    try {
      const entry = { atMs: since(), rssMb: { ...spec.readRss() } };
      samples.push(entry);
      spec.onSample?.(entry, operations, errors);
    } catch (error) {
      sampleError ??= error instanceof Error ? error : new Error(String(error));
    }
  };

  /** Set by a sample that could not read a process (it died): ends the soak. */
  const sampleFailure = (): Error | undefined => sampleError;
  sample();
  const sampler = setInterval(sample, spec.sampleEveryMs);
  const worker = async (index: number): Promise<void> => {
    const direction = spec.directions[index % spec.directions.length];
    while (!spec.signal.aborted && sampleError === undefined && performance.now() < end) {
      let failure: unknown;
      let failed = false;
      try {
        await direction.op();
      } catch (error) {
        failed = true;
        failure = error;
      }
      const doneAt = since();
      if (doneAt >= spec.durationMs) return;
      const bucket = bucketAt(doneAt);
      if (!failed) {
        operations += 1;
        bucket.operations[direction.name] += 1;
        continue;
      }
      errors += 1;
      bucket.errors += 1;
      const kind = errorKind(failure);
      const known = errorKinds[kind];
      if (known) known.count += 1;
      else {
        const message = failure instanceof Error ? failure.message : String(failure);
        errorKinds[kind] = { count: 1, example: message.slice(0, 300) };
      }
      await delay(ERROR_PAUSE_MS);
    }
  };
  try {
    await Promise.all(Array.from({ length: spec.concurrency }, (_, index) => worker(index)));
  } finally {
    clearInterval(sampler);
  }
  const complete = !spec.signal.aborted;
  const elapsedMs = Math.min(since(), spec.durationMs);
  // The last sample, unless a failed one already ended the soak.
  if (sampleError === undefined) sample();
  const failed = sampleFailure();
  if (failed !== undefined) throw failed;

  const buckets: SoakBucket[] = [];
  for (const [index, bucket] of counts.entries()) {
    const fromMs = index * spec.bucketMs;
    if (fromMs >= elapsedMs && index > 0) break;
    const toMs = Math.min((index + 1) * spec.bucketMs, elapsedMs);
    const done = Object.values(bucket.operations).reduce((sum, count) => sum + count, 0);
    buckets.push({
      fromMs,
      toMs,
      operations: bucket.operations,
      errors: bucket.errors,
      requestsPerSec: toMs > fromMs ? (done * spec.requestsPerOp * 1000) / (toMs - fromMs) : 0,
    });
  }
  return {
    durationMs: spec.durationMs,
    elapsedMs,
    concurrency: spec.concurrency,
    directions: spec.directions.map(({ name }) => name),
    requestsPerOp: spec.requestsPerOp,
    sampleEveryMs: spec.sampleEveryMs,
    bucketMs: spec.bucketMs,
    samples,
    buckets,
    operations,
    errors,
    errorKinds,
    complete,
  };
}
