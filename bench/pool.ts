import { setTimeout as delay } from 'node:timers/promises';

/** Reads a KME's stored_key_count for one SAE pair (its ETSI status). */
export type PoolProbe = () => Promise<number>;

export interface RelayResult {
  /** False when the pool did not fill within the timeout: the rate is over what did arrive. */
  readonly complete: boolean;
  /** Keys that arrived between the two samples the rate is taken over. */
  readonly keys: number;
  readonly ms: number;
  readonly mbitPerSec: number;
  /** stored_key_count of the first sample of the window (0 unless material arrived early). */
  readonly fromCount: number;
  readonly samples: number;
}

export interface RelayOptions {
  /** Pool cap, in keys: the count a full pool reports. */
  readonly capKeys: number;
  readonly keyBits: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly onSample?: (count: number, elapsedMs: number) => void;
}

interface Sample {
  readonly at: number;
  readonly count: number;
}

/**
 * Material reaching a pool, from empty to full: polls the count every intervalMs and takes the
 * rate from the last sample that saw 0 (or the first sample, if material was already there) to
 * the first that saw the pool full. A sample is timed at the middle of its request.
 */
export async function measureRelay(probe: PoolProbe, options: RelayOptions): Promise<RelayResult> {
  const began = performance.now();
  let first: Sample | undefined;
  let lastEmpty: Sample | undefined;
  let last: Sample | undefined;
  let samples = 0;
  while (!options.signal.aborted) {
    const sent = performance.now();
    let count: number | undefined;
    try {
      count = await probe();
    } catch {
      // A KME still starting or busy: the next sample will tell.
    }
    const received = performance.now();
    if (count !== undefined) {
      samples += 1;
      const sample = { at: (sent + received) / 2, count };
      first ??= sample;
      if (count === 0) lastEmpty = sample;
      last = sample;
      options.onSample?.(count, received - began);
      if (count >= options.capKeys) break;
    }
    if (received - began > options.timeoutMs) break;
    await delay(Math.max(0, options.intervalMs - (performance.now() - sent)));
  }
  if (options.signal.aborted) throw new Error('aborted');
  if (first === undefined || last === undefined) {
    throw new Error(`no status answer within ${options.timeoutMs} ms`);
  }
  const from = lastEmpty ?? first;
  const keys = last.count - from.count;
  const ms = last.at - from.at;
  return {
    complete: last.count >= options.capKeys,
    keys,
    ms,
    mbitPerSec: ms > 0 ? (keys * options.keyBits) / (ms / 1000) / 1e6 : 0,
    fromCount: from.count,
    samples,
  };
}

/**
 * Resolves once every probe reports at least `keys`; false after timeoutMs. `onProgress` gets the
 * lowest count each round.
 */
export async function waitForPools(
  probes: readonly PoolProbe[],
  keys: number,
  timeoutMs: number,
  signal: AbortSignal,
  onProgress?: (lowest: number) => void,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!signal.aborted) {
    const counts = await Promise.all(probes.map((probe) => probe().catch(() => 0)));
    const lowest = Math.min(...counts);
    onProgress?.(lowest);
    if (lowest >= keys) return true;
    if (performance.now() > deadline) return false;
    await delay(50);
  }
  return false;
}
