import * as hdr from 'hdr-histogram-js';
import { setTimeout as delay } from 'node:timers/promises';
import { errorKind } from './client';
import { CpuMeter } from './proc';

/** After a failed operation a worker pauses, so a refused connection does not spin the CPU. */
const ERROR_PAUSE_MS = 5;
const TICK_MS = 200;

export interface LoadSpec {
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** One operation; rejects on any failure. */
  readonly op: () => Promise<void>;
  readonly keysPerOp: number;
  readonly requestsPerOp: number;
  /** Processes whose CPU use over the measured window is reported, by name. */
  readonly cpuPids: ReadonlyMap<string, number>;
  readonly signal: AbortSignal;
  readonly onTick?: (tick: LoadTick) => void;
}

export interface LoadTick {
  readonly elapsedMs: number;
  readonly totalMs: number;
  readonly measuring: boolean;
  /** Operations completed in the measured window so far. */
  readonly operations: number;
  readonly errors: number;
  /** Operations per second over the measured part of the window so far. */
  readonly opsPerSec: number;
}

export interface LatencySummary {
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

export interface ErrorCount {
  count: number;
  /** The first message of this kind, to tell what it was. */
  readonly example: string;
}

export interface LoadResult {
  readonly concurrency: number;
  readonly measuredMs: number;
  /** Successful operations completed in the measured window. */
  readonly operations: number;
  /** Failed operations completed in the measured window. */
  readonly errors: number;
  /** Failures by kind, warm-up included. */
  readonly errorKinds: Record<string, ErrorCount>;
  readonly opsPerSec: number;
  readonly requestsPerSec: number;
  readonly keysPerSec: number;
  /** Of successful operations; undefined when none succeeded. */
  readonly latency?: LatencySummary;
  /** CPU use over the measured window, % of one core, by process name (`client` = the bench). */
  readonly cpuPercent: Record<string, number>;
}

export class LoadAbortedError extends Error {
  constructor() {
    super('aborted');
    this.name = 'LoadAbortedError';
  }
}

/**
 * `concurrency` workers run `op` back to back, each waiting for its answer before the next
 * (closed loop), for the warm-up and then the measured window. Throughput counts the
 * operations that complete inside the window; latency is recorded in microseconds in an HDR
 * histogram (3 significant digits).
 */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const began = performance.now();
  const windowStart = began + spec.warmupMs;
  const windowEnd = windowStart + spec.durationMs;
  let operations = 0;
  let errors = 0;
  const errorKinds: Record<string, ErrorCount> = {};

  let meter: CpuMeter | undefined;
  let cpuPercent: Record<string, number> = {};
  const startMeter = setTimeout(() => (meter = new CpuMeter(spec.cpuPids)), spec.warmupMs);
  const readMeter = setTimeout(
    () => (cpuPercent = meter?.read() ?? {}),
    spec.warmupMs + spec.durationMs,
  );
  const ticker = setInterval(() => {
    const now = performance.now();
    const measuredMs = Math.min(now, windowEnd) - windowStart;
    spec.onTick?.({
      elapsedMs: Math.min(now - began, spec.warmupMs + spec.durationMs),
      totalMs: spec.warmupMs + spec.durationMs,
      measuring: now >= windowStart,
      operations,
      errors,
      opsPerSec: measuredMs > 0 ? (operations * 1000) / measuredMs : 0,
    });
  }, TICK_MS);

  const worker = async (): Promise<void> => {
    while (!spec.signal.aborted) {
      const start = performance.now();
      if (start >= windowEnd) return;
      let failure: unknown;
      let failed = false;
      try {
        await spec.op();
      } catch (error) {
        failed = true;
        failure = error;
      }
      const end = performance.now();
      const inWindow = end >= windowStart && end < windowEnd;
      if (!failed) {
        if (inWindow) {
          operations += 1;
          histogram.recordValue(Math.max(1, Math.round((end - start) * 1000)));
        }
        continue;
      }
      if (inWindow) errors += 1;
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
    await Promise.all(Array.from({ length: spec.concurrency }, worker));
  } finally {
    clearTimeout(startMeter);
    clearTimeout(readMeter);
    clearInterval(ticker);
  }
  if (spec.signal.aborted) {
    histogram.destroy();
    throw new LoadAbortedError();
  }
  // The read timer fires at windowEnd, before the last in-flight operations return.
  if (meter !== undefined && Object.keys(cpuPercent).length === 0) cpuPercent = meter.read();

  const seconds = spec.durationMs / 1000;
  const opsPerSec = operations / seconds;
  const latency: LatencySummary | undefined =
    histogram.totalCount === 0
      ? undefined
      : {
          p50Ms: histogram.getValueAtPercentile(50) / 1000,
          p90Ms: histogram.getValueAtPercentile(90) / 1000,
          p99Ms: histogram.getValueAtPercentile(99) / 1000,
          p999Ms: histogram.getValueAtPercentile(99.9) / 1000,
          maxMs: histogram.maxValue / 1000,
          meanMs: histogram.mean / 1000,
        };
  histogram.destroy();
  return {
    concurrency: spec.concurrency,
    measuredMs: spec.durationMs,
    operations,
    errors,
    errorKinds,
    opsPerSec,
    requestsPerSec: opsPerSec * spec.requestsPerOp,
    keysPerSec: opsPerSec * spec.keysPerOp,
    latency,
    cpuPercent,
  };
}
