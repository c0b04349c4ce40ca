import { KeyAccessDeniedError, KeysNotFoundError } from './errors';
import type { DeliveredKey, KeyBatch } from './keys';

/**
 * One undelivered key. A KME may hold a million of them, so a key costs one small object: its
 * bytes stay in the batch's material, and its SAE lists are shared with the rest of the batch.
 */
interface StoredKey {
  readonly material: Buffer;
  readonly offset: number;
  readonly length: number;
  readonly masterSaeId: string;
  readonly slaveSaeIds: readonly string[];
  /** Slave SAEs that have not fetched the key yet: replaced on delivery, never changed in place. */
  waiting: readonly string[];
}

export interface ActiveKeyStoreOptions {
  /** SAEs attached to this KME: the only slave SAEs whose keys are kept by `activate`. */
  readonly attachedSaeIds?: readonly string[];
  /** Most undelivered keys kept; beyond it the oldest are dropped. */
  readonly capacity?: number;
  /** Told how many undelivered keys were dropped for room. */
  readonly onDropped?: (count: number) => void;
}

/** How many delivered or foreign key IDs are remembered, to answer without waiting. */
const REMEMBERED_KEY_IDS = 50_000;

/**
 * Removes the oldest entries once a collection is 10% over `limit`, all in one pass: removing one
 * at a time from the front of a busy Map or Set makes every removal walk the earlier deletions.
 */
function trimOldest(entries: Set<string> | Map<string, unknown>, limit: number): number {
  if (entries.size <= limit + Math.ceil(limit / 10)) return 0;
  const excess = entries.size - limit;
  let removed = 0;
  for (const id of entries.keys()) {
    if (removed === excess) break;
    entries.delete(id);
    removed++;
  }
  return removed;
}

/**
 * Activated keys on one KME, delivered once to each of their slave SAEs and then removed.
 * Retrieval is all-or-nothing and synchronous, so concurrent requests cannot both win a key.
 */
export class ActiveKeyStore {
  private readonly keys = new Map<string, StoredKey>();
  private readonly gone = new Set<string>();
  /** Keys activated for slave SAEs of the other KME only: nobody here may fetch them. */
  private readonly elsewhere = new Set<string>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly capacity: number;

  constructor(private readonly options: ActiveKeyStoreOptions = {}) {
    this.capacity = options.capacity ?? 1_000_000;
  }

  /**
   * Records a batch of new keys for those of their slave SAEs that are attached to this KME; keys
   * for the other KME's SAEs only are remembered as such. Throws, recording none, when an ID is
   * already known here.
   */
  activate(batch: KeyBatch, masterSaeId: string, slaveSaeIds: readonly string[]): void {
    const { keyIds, material, keyBytes } = batch;
    // The Set only catches an ID repeated within the batch; most batches hold one key.
    const batchIds = keyIds.length > 1 ? new Set<string>() : undefined;
    for (const keyId of keyIds) {
      if (this.known(keyId) || batchIds?.has(keyId)) {
        throw new Error(`key ID ${keyId} activated twice`);
      }
      batchIds?.add(keyId);
    }
    const attached = this.options.attachedSaeIds ?? [];
    const local = slaveSaeIds.filter((id) => attached.includes(id));
    keyIds.forEach((keyId, index) => {
      if (local.length === 0) this.elsewhere.add(keyId);
      else {
        this.keys.set(keyId, {
          material,
          offset: index * keyBytes,
          length: keyBytes,
          masterSaeId,
          slaveSaeIds: local,
          waiting: local,
        });
      }
      const waiting = this.waiters.get(keyId);
      if (waiting) for (const wake of waiting) wake();
    });
    trimOldest(this.elsewhere, REMEMBERED_KEY_IDS);
    const dropped = trimOldest(this.keys, this.capacity);
    if (dropped > 0) this.options.onDropped?.(dropped);
  }

  get size(): number {
    return this.keys.size;
  }

  /**
   * Delivers the keys to `callerSaeId` in the order asked. Throws, consuming nothing, when any
   * key is unknown or already delivered to this caller (KeysNotFoundError), or when the caller
   * is not a slave SAE of a key or `masterSaeId` is not its master SAE (KeyAccessDeniedError).
   */
  take(keyIds: readonly string[], callerSaeId: string, masterSaeId: string): DeliveredKey[] {
    const found: StoredKey[] = [];
    const missing: string[] = [];
    const denied: string[] = [];
    for (const keyId of keyIds) {
      const stored = this.keys.get(keyId);
      if (stored === undefined) {
        (this.elsewhere.has(keyId) ? denied : missing).push(keyId);
        continue;
      }
      found.push(stored);
      if (!stored.slaveSaeIds.includes(callerSaeId) || stored.masterSaeId !== masterSaeId) {
        denied.push(keyId);
      } else if (!stored.waiting.includes(callerSaeId)) {
        missing.push(keyId);
      }
    }
    if (denied.length > 0) throw new KeyAccessDeniedError(denied);
    if (missing.length > 0 || new Set(keyIds).size !== keyIds.length) {
      throw new KeysNotFoundError(missing);
    }

    const delivered = keyIds.map((keyId, index) => {
      const stored = found[index];
      stored.waiting = stored.waiting.filter((id) => id !== callerSaeId);
      if (stored.waiting.length === 0) {
        this.keys.delete(keyId);
        this.gone.add(keyId);
      }
      const key = stored.material.subarray(stored.offset, stored.offset + stored.length);
      return { keyId, key };
    });
    trimOldest(this.gone, REMEMBERED_KEY_IDS);
    return delivered;
  }

  /**
   * Resolves once every ID is present, or after `timeoutMs`, whichever is first. Returns at once
   * when an ID can no longer arrive. Never throws: `take` then says what is wrong.
   */
  async whenPresent(keyIds: readonly string[], timeoutMs: number): Promise<void> {
    const absent = () => keyIds.filter((id) => !this.keys.has(id) && !this.elsewhere.has(id));
    if (absent().length === 0 || keyIds.some((id) => this.gone.has(id)) || timeoutMs <= 0) return;
    await new Promise<void>((resolve) => {
      const ids = absent();
      const check = () => {
        if (absent().length === 0) done();
      };
      const done = () => {
        clearTimeout(timer);
        for (const id of ids) {
          const set = this.waiters.get(id);
          set?.delete(check);
          if (set?.size === 0) this.waiters.delete(id);
        }
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      for (const id of ids) {
        const set = this.waiters.get(id) ?? new Set();
        set.add(check);
        this.waiters.set(id, set);
      }
    });
  }

  /** True when the ID is held here or was seen here: it is not still on its way to this KME. */
  known(keyId: string): boolean {
    return this.keys.has(keyId) || this.gone.has(keyId) || this.elsewhere.has(keyId);
  }
}
