import { SeededRandom } from '@app/link-model';
import type { StoreValues } from '@app/key-pool';
import { MaterialGenerator } from './material-generator';

/** Name, in the master KME's store, of the bytes of the seeded stream already kept. */
export const SEEDED_MATERIAL_POSITION = 'seeded-material.offset';

/**
 * Material from SeededRandom (AES-256-CTR keyed by KEY_SEED): the same bytes in the same order
 * in every run. The stream's position is kept in the store with the material taken, so a
 * restarted KME continues the stream instead of repeating it.
 */
export class SeededMaterial extends MaterialGenerator {
  private stream: SeededRandom;
  /** Stream offset just past the bytes generate() gave last. */
  private end: number;

  constructor(
    private readonly seed: string,
    private readonly values: StoreValues,
  ) {
    super();
    this.end = Number(values.get(SEEDED_MATERIAL_POSITION) ?? 0);
    this.stream = new SeededRandom(seed, { materialOffset: this.end });
  }

  generate(bytes: number): Promise<Buffer> {
    const material = this.stream.bytes(bytes);
    this.end = this.stream.position.materialOffset;
    return Promise.resolve(material);
  }

  /**
   * The shipper keeps the bytes generate() gave last. Bytes given earlier and never kept (a store
   * that failed) are skipped, never given again: the position is where the stream stands.
   */
  override taken(_bytes: number): void {
    this.values.set(SEEDED_MATERIAL_POSITION, String(this.end));
  }

  /** Where the stream stands in the store: what a restarted KME would continue from. */
  get keptOffset(): number {
    return Number(this.values.get(SEEDED_MATERIAL_POSITION) ?? 0);
  }

  /** For tests: a generator restarted from what the store holds. */
  reopened(): SeededMaterial {
    return new SeededMaterial(this.seed, this.values);
  }
}
