import { SeededRandom } from '@app/link-model';
import { openMasterKeyStore, type SqliteMasterKeyStore } from '@app/key-store';
import { SeededKeyIds } from './seeded-key-ids';
import { SeededMaterial } from './seeded-material';

const storeOf = (): SqliteMasterKeyStore =>
  openMasterKeyStore({
    dataDir: ':memory:',
    durability: 'process',
    attachedSaeIds: ['sae-1'],
    maxActiveKeys: 1000,
  });

describe('seeded material and key IDs (KEY_SEED)', () => {
  let store: SqliteMasterKeyStore;

  beforeEach(() => {
    store = storeOf();
  });

  afterEach(() => store.close());

  it('material is the seed’s stream, the same in every run', async () => {
    const material = new SeededMaterial('seed-1', store.values);
    const bytes = Buffer.concat([await material.generate(10), await material.generate(100)]);
    expect(bytes.equals(new SeededRandom('seed-1').bytes(110))).toBe(true);
    const other = storeOf();
    try {
      const again = new SeededMaterial('seed-1', other.values);
      expect((await again.generate(110)).equals(bytes)).toBe(true);
      expect((await new SeededMaterial('seed-2', other.values).generate(110)).equals(bytes)).toBe(
        false,
      );
    } finally {
      other.close();
    }
  });

  it('material resumes after a restart where the kept bytes end', async () => {
    const material = new SeededMaterial('seed-1', store.values);
    const kept = await material.generate(64);
    store.transaction(() => material.taken(64));
    // Generated but never kept (the KME stopped first): given again after the restart.
    const lost = await material.generate(32);
    const restarted = material.reopened();
    expect(restarted.keptOffset).toBe(64);
    const next = await restarted.generate(32);
    expect(next.equals(lost)).toBe(true);
    expect(Buffer.concat([kept, next]).equals(new SeededRandom('seed-1').bytes(96))).toBe(true);
  });

  it('key IDs are the seed’s UUIDs in order, continued after a restart', () => {
    const expected = new SeededRandom('seed-1');
    const ids = new SeededKeyIds('seed-1', store.values);
    const first = store.transaction(() => ids.next(2));
    const afterRestart = store.transaction(() => new SeededKeyIds('seed-1', store.values).next(3));
    expect([...first, ...afterRestart]).toEqual(Array.from({ length: 5 }, () => expected.uuid()));
  });

  it('an allocation rolled back gives its key IDs to the next one', () => {
    const ids = new SeededKeyIds('seed-1', store.values);
    let rolledBack: string[] = [];
    expect(() =>
      store.transaction(() => {
        rolledBack = ids.next(2);
        throw new Error('no material');
      }),
    ).toThrow('no material');
    expect(store.transaction(() => ids.next(2))).toEqual(rolledBack);
  });
});
