import { KeyAccessDeniedError, KeysNotFoundError } from './errors';

/** A key handed to its master SAE and now waiting for its slave SAEs on this KME. */
export interface ActiveKey {
  readonly keyId: string;
  readonly key: Buffer;
  readonly masterSaeId: string;
  /** Slave SAEs attached to this KME that may fetch the key, each once. */
  readonly slaveSaeIds: readonly string[];
}

export interface DeliveredKey {
  readonly keyId: string;
  readonly key: Buffer;
}

interface StoredKey {
  readonly key: Buffer;
  readonly masterSaeId: string;
  readonly slaveSaeIds: ReadonlySet<string>;
  readonly waitingSaeIds: Set<string>;
}

/** How many delivered or foreign key IDs are remembered, to answer without waiting. */
const REMEMBERED_KEY_IDS = 100_000;

/** Adds to a bounded set of IDs, forgetting the oldest. */
function remember(ids: Set<string>, keyId: string): void {
  ids.add(keyId);
  if (ids.size > REMEMBERED_KEY_IDS) {
    const oldest = ids.values().next().value;
    if (oldest !== undefined) ids.delete(oldest);
  }
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

  get size(): number {
    return this.keys.size;
  }

  /** Adds all keys or, when an ID is already known here, none. */
  add(keys: readonly ActiveKey[]): void {
    const ids = new Set<string>();
    for (const { keyId } of keys) {
      if (
        this.keys.has(keyId) ||
        this.gone.has(keyId) ||
        this.elsewhere.has(keyId) ||
        ids.has(keyId)
      ) {
        throw new Error(`key ID ${keyId} activated twice`);
      }
      ids.add(keyId);
    }
    for (const { keyId, key, masterSaeId, slaveSaeIds } of keys) {
      if (slaveSaeIds.length === 0) remember(this.elsewhere, keyId);
      else
        this.keys.set(keyId, {
          key,
          masterSaeId,
          slaveSaeIds: new Set(slaveSaeIds),
          waitingSaeIds: new Set(slaveSaeIds),
        });
      const waiting = this.waiters.get(keyId);
      if (waiting) for (const wake of waiting) wake();
    }
  }

  /** True when an ID cannot arrive any more: delivered already, or not for this KME's SAEs. */
  private knownGone(keyIds: readonly string[]): boolean {
    return keyIds.some((id) => this.gone.has(id) || this.elsewhere.has(id));
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
      if (!stored.slaveSaeIds.has(callerSaeId) || stored.masterSaeId !== masterSaeId) {
        denied.push(keyId);
      } else if (!stored.waitingSaeIds.has(callerSaeId)) {
        missing.push(keyId);
      }
    }
    if (denied.length > 0) throw new KeyAccessDeniedError(denied);
    if (missing.length > 0 || new Set(keyIds).size !== keyIds.length) {
      throw new KeysNotFoundError(missing);
    }

    return keyIds.map((keyId, index) => {
      const stored = found[index];
      stored.waitingSaeIds.delete(callerSaeId);
      if (stored.waitingSaeIds.size === 0) this.forget(keyId);
      return { keyId, key: stored.key };
    });
  }

  /**
   * Resolves once every ID is present, or after `timeoutMs`, whichever is first. Returns at once
   * when an ID is known to be delivered already. Never throws: `take` then says what is wrong.
   */
  async whenPresent(keyIds: readonly string[], timeoutMs: number): Promise<void> {
    const absent = () => keyIds.filter((id) => !this.keys.has(id) && !this.elsewhere.has(id));
    if (absent().length === 0 || this.knownGone(keyIds) || timeoutMs <= 0) return;
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

  private forget(keyId: string): void {
    this.keys.delete(keyId);
    remember(this.gone, keyId);
  }
}
