/**
 * Runs: a batch of key IDs kept in one row instead of a row each. The master KME mints
 * time-ordered UUIDs, so the IDs of one enc_keys ascend and come after every earlier batch's;
 * such a batch is stored as one row (its IDs concatenated, found by the range first..last), which
 * costs a 128-key activation one index entry instead of 128. Runs in a table never overlap: a
 * batch becomes a run only when its first ID is above the last ID of every run before it. Any
 * other batch (seeded random IDs, IDs that are not canonical UUIDs) keeps a row per ID.
 */

/** Length of a canonical UUID, the only IDs runs hold (so a run's IDs can be sliced by index). */
export const RUN_ID_LENGTH = 36;

/**
 * Whether `ids` can be stored as a run in a table whose runs all end at or below `after`: two or
 * more canonical-length IDs, strictly ascending, the first above `after`.
 */
export function formsRun(ids: readonly string[], after: string | undefined): boolean {
  if (ids.length < 2) return false;
  if (after !== undefined && ids[0] <= after) return false;
  return ids.every((id) => id.length === RUN_ID_LENGTH) && ascending(ids);
}

/** The IDs of a run, concatenated as its row keeps them. */
export const joinRun = (ids: readonly string[]): string => ids.join('');

/** Number of IDs in a run's concatenated IDs. */
export const runLength = (joined: string): number => joined.length / RUN_ID_LENGTH;

/** The i-th ID of a run. */
export const runIdAt = (joined: string, index: number): string =>
  joined.slice(index * RUN_ID_LENGTH, (index + 1) * RUN_ID_LENGTH);

/** Every ID of a run, in order. */
export function runIds(joined: string): string[] {
  return Array.from({ length: runLength(joined) }, (_, index) => runIdAt(joined, index));
}

/**
 * The position of `id` in a run (binary search: its IDs ascend), or -1. `hint`, a likely position
 * (the one after the last ID found, as requests list a run's IDs in order), is tried first.
 */
export function indexInRun(joined: string, id: string, hint = -1): number {
  if (id.length !== RUN_ID_LENGTH) return -1;
  if (hint >= 0 && joined.startsWith(id, hint * RUN_ID_LENGTH)) return hint;
  let low = 0;
  let high = runLength(joined) - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const found = runIdAt(joined, middle);
    if (found === id) return middle;
    if (found < id) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** The highest of two optional IDs (a table's last run end, kept in memory). */
export const laterOf = (a: string | undefined, b: string | undefined): string | undefined =>
  a === undefined ? b : b === undefined || a >= b ? a : b;

/** Whether the IDs strictly ascend (so they are distinct, and the first is the lowest). */
export function ascending(ids: readonly string[]): boolean {
  for (let i = 1; i < ids.length; i++) if (ids[i] <= ids[i - 1]) return false;
  return true;
}

/** The highest of some IDs (undefined for none). */
export const highestOf = (ids: readonly string[]): string | undefined =>
  ids.reduce<string | undefined>(laterOf, undefined);

/**
 * Which slave SAEs still wait for each key of a run: for key i, `width` bytes whose bit j is set
 * while the j-th SAE of the run's slave SAE list has not fetched it.
 */
export class WaitingBits {
  private constructor(
    readonly bytes: Buffer,
    private readonly width: number,
  ) {}

  /** Every one of `saes` SAEs waiting for each of `keys` keys. */
  static all(keys: number, saes: number): WaitingBits {
    const width = Math.ceil(saes / 8);
    const row = Buffer.alloc(width);
    for (let j = 0; j < saes; j++) row[j >> 3] |= 1 << (j & 7);
    const bytes = Buffer.alloc(keys * width);
    for (let i = 0; i < keys; i++) row.copy(bytes, i * width);
    return new WaitingBits(bytes, width);
  }

  /** The bits as a row stores them, for a run of `saes` SAEs (copied: they are changed). */
  static of(stored: Buffer, saes: number): WaitingBits {
    return new WaitingBits(Buffer.from(stored), Math.ceil(saes / 8));
  }

  waits(key: number, sae: number): boolean {
    return (this.bytes[key * this.width + (sae >> 3)] & (1 << (sae & 7))) !== 0;
  }

  /** Marks the SAE's fetch; whether any SAE still waits for the key. */
  clear(key: number, sae: number): boolean {
    this.bytes[key * this.width + (sae >> 3)] &= ~(1 << (sae & 7));
    for (let b = 0; b < this.width; b++) if (this.bytes[key * this.width + b] !== 0) return true;
    return false;
  }
}
