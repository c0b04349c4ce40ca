import { SeededRandom } from '@app/link-model';
import type { StoreValues } from '@app/key-pool';
import { KeyIdSource } from '../keys/key-allocator';

/** Name, in the master KME's store, of the number of seeded key IDs handed out. */
export const SEEDED_KEY_ID_COUNT = 'seeded-key-ids.count';

/**
 * Key IDs from SeededRandom (KEY_SEED): the same IDs in the same order in every run. Called
 * inside the allocation's transaction, it records how many it gave there, so a restarted KME
 * continues the sequence; an allocation rolled back gives its IDs again.
 */
export class SeededKeyIds extends KeyIdSource {
  constructor(
    private readonly seed: string,
    private readonly values: StoreValues,
  ) {
    super();
  }

  next(count: number): string[] {
    const idCount = Number(this.values.get(SEEDED_KEY_ID_COUNT) ?? 0);
    // A stream opened at the kept position: a rolled-back allocation leaves no gap behind it.
    const stream = new SeededRandom(this.seed, { idCount });
    const ids = Array.from({ length: count }, () => stream.uuid());
    this.values.set(SEEDED_KEY_ID_COUNT, String(idCount + count));
    return ids;
  }
}
