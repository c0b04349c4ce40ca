import { CallBatcher } from '@app/batching';
import type { KeyStore } from '@app/key-pool';

type Settled =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** Most pieces of work committed together. */
const MAX_BATCH = 512;

/**
 * Group commit: the pieces of work asked for in one turn of the event loop run in one store
 * transaction, each in a savepoint of its own, so that a refused piece (a domain error) changes
 * nothing and the others still commit. A commit costs about as much as all the statements of a
 * small request together, so a busy KME commits once for dozens of requests. A store failure
 * (disk full) fails the whole group: nothing of it was committed, and each caller is told.
 */
export class GroupCommit {
  private readonly batcher: CallBatcher<() => unknown, Settled>;

  constructor(store: KeyStore) {
    this.batcher = new CallBatcher<() => unknown, Settled>(
      (works) =>
        Promise.resolve(
          store.transaction(() =>
            works.map((work): Settled => {
              try {
                return { ok: true, value: store.transaction(work) };
              } catch (error) {
                return { ok: false, error };
              }
            }),
          ),
        ),
      { maxInFlight: 1, maxBatchSize: MAX_BATCH },
    );
  }

  /** Runs `work` in the next group's transaction; resolves once that group committed. */
  async run<T>(work: () => T): Promise<T> {
    const settled = await this.batcher.add(work);
    if (!settled.ok) throw settled.error;
    return settled.value as T;
  }
}
