// The contract of ActiveKeys: ActiveKeyStore's spec, run against the SQLite store of either role
// on a file and on ':memory:'. Only construction differs: a fresh store's activeKeys instead of
// `new ActiveKeyStore`, with its capacity given as maxActiveKeys.
import { randomBytes } from 'node:crypto';
import {
  KeyAccessDeniedError,
  KeysNotFoundError,
  deliveredKeysOf,
  type ActiveKeys,
} from '@app/key-pool';
import { errorOf } from './test-helpers';
import { TARGETS, storeHarness, type StoreTarget } from '../test/store-harness';

const MASTER_SAE = 'sae-master';

/** Every slave SAE these tests name is attached to the store's KME, unless a test says otherwise. */
const ATTACHED_SAE_IDS = ['sae-b', 'sae-c', 'sae-d', 'sae-2'];

interface TestKey {
  readonly keyId: string;
  readonly key: Buffer;
  readonly masterSaeId: string;
  readonly slaveSaeIds: readonly string[];
}

function activeKey(keyId: string, slaveSaeIds: readonly string[], masterSaeId = MASTER_SAE) {
  return { keyId, key: randomBytes(16), masterSaeId, slaveSaeIds } satisfies TestKey;
}

/** What the tests set of ActiveKeyStore's options. */
interface StoreOptions {
  readonly attachedSaeIds?: readonly string[];
  readonly capacity?: number;
  readonly onDropped?: (count: number) => void;
}

const CASES: readonly (StoreTarget & { readonly role: 'master' | 'slave' })[] = TARGETS.flatMap(
  (target) => (['master', 'slave'] as const).map((role) => ({ ...target, role })),
);

/** Activates each key as a batch of its own, as a one-key enc_keys does. */
function activateAll(store: ActiveKeys, keys: readonly TestKey[]): void {
  for (const { keyId, key, masterSaeId, slaveSaeIds } of keys) {
    store.activate(
      { keyIds: [keyId], material: key, keyBytes: key.length },
      masterSaeId,
      slaveSaeIds,
    );
  }
}

/** Tracks whether a promise has settled, for assertions under fake timers. */
function track(promise: Promise<void>): { readonly settled: boolean } {
  const state = { settled: false };
  void promise.then(() => {
    state.settled = true;
  });
  return state;
}

/** Lets every pending promise callback run (no timers involved). */
async function flushPromises(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe.each(CASES)('on a $role store, $name', (target) => {
  const stores = storeHarness(target);
  const newStore = (options: StoreOptions = {}): ActiveKeys => {
    const extra = {
      attachedSaeIds: options.attachedSaeIds ?? ATTACHED_SAE_IDS,
      maxActiveKeys: options.capacity ?? 1_000_000,
      onDropped: options.onDropped,
    };
    return (target.role === 'master' ? stores.master(extra) : stores.slave(extra)).activeKeys;
  };

  describe('ActiveKeys', () => {
    describe('take', () => {
      it('delivers a key to its slave SAE once, then removes it', () => {
        const store = newStore();
        const key = activeKey('k1', ['sae-b']);
        activateAll(store, [key]);
        expect(store.size).toBe(1);

        expect(store.take(['k1'], 'sae-b', MASTER_SAE)).toEqual([{ keyId: 'k1', key: key.key }]);
        expect(store.size).toBe(0);

        const error = errorOf(() => store.take(['k1'], 'sae-b', MASTER_SAE));
        expect(error).toBeInstanceOf(KeysNotFoundError);
        expect((error as KeysNotFoundError).keyIds).toEqual(['k1']);
      });

      it('keeps a multicast key until every slave SAE has fetched it, each once', () => {
        const store = newStore();
        const key = activeKey('k1', ['sae-b', 'sae-c', 'sae-d']);
        activateAll(store, [key]);

        expect(store.take(['k1'], 'sae-b', MASTER_SAE)).toEqual([{ keyId: 'k1', key: key.key }]);
        expect(store.size).toBe(1);
        expect(() => store.take(['k1'], 'sae-b', MASTER_SAE)).toThrow(KeysNotFoundError);
        expect(store.size).toBe(1);

        expect(store.take(['k1'], 'sae-d', MASTER_SAE)).toEqual([{ keyId: 'k1', key: key.key }]);
        expect(store.size).toBe(1);
        expect(store.take(['k1'], 'sae-c', MASTER_SAE)).toEqual([{ keyId: 'k1', key: key.key }]);
        expect(store.size).toBe(0);

        for (const sae of ['sae-b', 'sae-c', 'sae-d']) {
          expect(() => store.take(['k1'], sae, MASTER_SAE)).toThrow(KeysNotFoundError);
        }
      });

      it('refuses a caller that is not a slave SAE of the key, consuming nothing', () => {
        const store = newStore();
        const key = activeKey('k1', ['sae-b']);
        activateAll(store, [key]);

        const error = errorOf(() => store.take(['k1'], 'sae-x', MASTER_SAE));
        expect(error).toBeInstanceOf(KeyAccessDeniedError);
        expect((error as KeyAccessDeniedError).keyIds).toEqual(['k1']);
        // The master SAE itself is not a slave SAE of its own key.
        expect(() => store.take(['k1'], MASTER_SAE, MASTER_SAE)).toThrow(KeyAccessDeniedError);
        expect(store.size).toBe(1);
        expect(store.take(['k1'], 'sae-b', MASTER_SAE)).toEqual([{ keyId: 'k1', key: key.key }]);
      });

      it('refuses the wrong master SAE, consuming nothing', () => {
        const store = newStore();
        activateAll(store, [activeKey('k1', ['sae-b'])]);
        const error = errorOf(() => store.take(['k1'], 'sae-b', 'sae-other-master'));
        expect(error).toBeInstanceOf(KeyAccessDeniedError);
        expect((error as KeyAccessDeniedError).keyIds).toEqual(['k1']);
        expect(store.size).toBe(1);
        expect(store.take(['k1'], 'sae-b', MASTER_SAE)).toHaveLength(1);
      });

      it('refuses the whole request when one key is denied, consuming none of the others', () => {
        const store = newStore();
        activateAll(store, [
          activeKey('k1', ['sae-b']),
          activeKey('k2', ['sae-c']),
          activeKey('k3', ['sae-b']),
        ]);

        const error = errorOf(() => store.take(['k1', 'k2', 'k3'], 'sae-b', MASTER_SAE));
        expect(error).toBeInstanceOf(KeyAccessDeniedError);
        expect((error as KeyAccessDeniedError).keyIds).toEqual(['k2']);
        expect(store.size).toBe(3);
        expect(store.take(['k1', 'k3'], 'sae-b', MASTER_SAE).map((k) => k.keyId)).toEqual([
          'k1',
          'k3',
        ]);
        expect(store.take(['k2'], 'sae-c', MASTER_SAE)).toHaveLength(1);
      });

      it('refuses a mix of known and unknown IDs, consuming nothing (all-or-nothing)', () => {
        const store = newStore();
        activateAll(store, [activeKey('k1', ['sae-b']), activeKey('k2', ['sae-b'])]);

        const error = errorOf(() => store.take(['k1', 'nope', 'k2', 'gone?'], 'sae-b', MASTER_SAE));
        expect(error).toBeInstanceOf(KeysNotFoundError);
        expect((error as KeysNotFoundError).keyIds).toEqual(['nope', 'gone?']);
        expect(store.size).toBe(2);
        expect(store.take(['k2', 'k1'], 'sae-b', MASTER_SAE)).toHaveLength(2);
        expect(store.size).toBe(0);
      });

      it('refuses a request that repeats a key this SAE already received, consuming nothing', () => {
        const store = newStore();
        activateAll(store, [activeKey('k1', ['sae-b', 'sae-c']), activeKey('k2', ['sae-b'])]);
        store.take(['k1'], 'sae-b', MASTER_SAE);

        const error = errorOf(() => store.take(['k2', 'k1'], 'sae-b', MASTER_SAE));
        expect(error).toBeInstanceOf(KeysNotFoundError);
        expect((error as KeysNotFoundError).keyIds).toEqual(['k1']);
        expect(store.take(['k2'], 'sae-b', MASTER_SAE)).toHaveLength(1);
        expect(store.take(['k1'], 'sae-c', MASTER_SAE)).toHaveLength(1);
        expect(store.size).toBe(0);
      });

      it('refuses a request naming the same key twice, consuming nothing', () => {
        const store = newStore();
        activateAll(store, [activeKey('k1', ['sae-b']), activeKey('k2', ['sae-b'])]);
        expect(() => store.take(['k1', 'k2', 'k1'], 'sae-b', MASTER_SAE)).toThrow(
          KeysNotFoundError,
        );
        expect(store.size).toBe(2);
        expect(store.take(['k1', 'k2'], 'sae-b', MASTER_SAE)).toHaveLength(2);
      });

      it('returns the keys in the order asked, each with its own bytes', () => {
        const store = newStore();
        const keys = ['k1', 'k2', 'k3', 'k4', 'k5'].map((id) => activeKey(id, ['sae-b']));
        activateAll(store, keys);
        const order = ['k4', 'k1', 'k5', 'k3', 'k2'];
        const delivered = store.take(order, 'sae-b', MASTER_SAE);
        expect(delivered.map((k) => k.keyId)).toEqual(order);
        for (const { keyId, key } of delivered) {
          expect(key.equals(keys.find((k) => k.keyId === keyId)!.key)).toBe(true);
        }
      });

      it('serves an empty request with nothing', () => {
        const store = newStore();
        activateAll(store, [activeKey('k1', ['sae-b'])]);
        expect(store.take([], 'sae-b', MASTER_SAE)).toEqual([]);
        expect(store.size).toBe(1);
      });
    });

    describe('activate, for an ID already known', () => {
      it('throws on a key ID that is already active, keeping the first key', () => {
        const store = newStore();
        const first = activeKey('k1', ['sae-b']);
        activateAll(store, [first]);
        expect(() => activateAll(store, [activeKey('k1', ['sae-b'])])).toThrow('k1');
        expect(store.size).toBe(1);
        expect(store.take(['k1'], 'sae-b', MASTER_SAE)).toEqual([{ keyId: 'k1', key: first.key }]);
      });

      it('throws on a key ID that was already delivered, so it cannot be served again', () => {
        const store = newStore();
        activateAll(store, [activeKey('k1', ['sae-b'])]);
        store.take(['k1'], 'sae-b', MASTER_SAE);
        expect(() => activateAll(store, [activeKey('k1', ['sae-b'])])).toThrow('k1');
        expect(store.size).toBe(0);
        expect(() => store.take(['k1'], 'sae-b', MASTER_SAE)).toThrow(KeysNotFoundError);
      });

      it('throws on a key ID repeated within one batch', () => {
        const store = newStore();
        const batch = { keyIds: ['k1', 'k1'], material: randomBytes(32), keyBytes: 16 };
        expect(() => store.activate(batch, MASTER_SAE, ['sae-b'])).toThrow('k1');
      });

      it('stores no key material for a key with no slave SAE on this KME', () => {
        const store = newStore();
        activateAll(store, [activeKey('k1', [])]);
        expect(store.size).toBe(0);
        expect(() => store.take(['k1'], 'sae-b', MASTER_SAE)).toThrow(KeyAccessDeniedError);
        expect(() => store.take(['k2'], 'sae-b', MASTER_SAE)).toThrow(KeysNotFoundError);
      });
    });

    describe('whenPresent', () => {
      beforeEach(() => {
        jest.useFakeTimers();
      });
      afterEach(() => {
        jest.useRealTimers();
      });

      it('resolves as soon as keys added later are all present, before the timeout', async () => {
        const store = newStore();
        const waiting = store.whenPresent(['k1', 'k2'], 1000);
        const state = track(waiting);
        await flushPromises();
        expect(state.settled).toBe(false);
        expect(jest.getTimerCount()).toBe(1);

        activateAll(store, [activeKey('k1', ['sae-b'])]);
        await flushPromises();
        expect(state.settled).toBe(false); // k2 is still missing

        activateAll(store, [activeKey('k2', ['sae-b'])]);
        await flushPromises();
        expect(state.settled).toBe(true);
        expect(jest.getTimerCount()).toBe(0); // the timeout was cleared, no time passed
        await waiting;
        expect(store.take(['k1', 'k2'], 'sae-b', MASTER_SAE)).toHaveLength(2);
      });

      it('resolves after the timeout when the keys never arrive', async () => {
        const store = newStore();
        const state = track(store.whenPresent(['k1'], 500));
        await jest.advanceTimersByTimeAsync(499);
        expect(state.settled).toBe(false);
        await jest.advanceTimersByTimeAsync(1);
        expect(state.settled).toBe(true);
        expect(jest.getTimerCount()).toBe(0);

        // A late arrival after the timeout finds no stale waiter and is stored normally.
        activateAll(store, [activeKey('k1', ['sae-b'])]);
        expect(store.size).toBe(1);
      });

      it('resolves after the timeout when only some keys arrive', async () => {
        const store = newStore();
        const state = track(store.whenPresent(['k1', 'k2'], 300));
        activateAll(store, [activeKey('k1', ['sae-b'])]);
        await jest.advanceTimersByTimeAsync(299);
        expect(state.settled).toBe(false);
        await jest.advanceTimersByTimeAsync(1);
        expect(state.settled).toBe(true);
      });

      it('returns at once when the keys are already present', async () => {
        const store = newStore();
        activateAll(store, [activeKey('k1', ['sae-b'])]);
        const state = track(store.whenPresent(['k1'], 1000));
        expect(jest.getTimerCount()).toBe(0);
        await flushPromises();
        expect(state.settled).toBe(true);
      });

      it('returns at once for an ID that was already delivered', async () => {
        const store = newStore();
        activateAll(store, [activeKey('k1', ['sae-b'])]);
        store.take(['k1'], 'sae-b', MASTER_SAE);
        const state = track(store.whenPresent(['k1', 'never-added'], 1000));
        expect(jest.getTimerCount()).toBe(0);
        await flushPromises();
        expect(state.settled).toBe(true);
      });

      it('returns at once when the timeout is not positive', async () => {
        const store = newStore();
        const state = track(store.whenPresent(['k1'], 0));
        expect(jest.getTimerCount()).toBe(0);
        await flushPromises();
        expect(state.settled).toBe(true);
      });

      it('wakes every waiter of a key, independently of each other timeout', async () => {
        const store = newStore();
        const short = track(store.whenPresent(['k1'], 100));
        const long = track(store.whenPresent(['k1'], 1000));
        const other = track(store.whenPresent(['k2'], 1000));

        await jest.advanceTimersByTimeAsync(100);
        expect(short.settled).toBe(true);
        expect(long.settled).toBe(false);

        activateAll(store, [activeKey('k1', ['sae-b'])]);
        await flushPromises();
        expect(long.settled).toBe(true);
        expect(other.settled).toBe(false);
        expect(jest.getTimerCount()).toBe(1); // only the k2 waiter's timeout is left

        activateAll(store, [activeKey('k2', ['sae-b'])]);
        await flushPromises();
        expect(other.settled).toBe(true);
        expect(jest.getTimerCount()).toBe(0);
      });
    });
  });

  describe('ActiveKeys: keys for the other KME only', () => {
    const foreign = {
      keyId: 'f0000000-0000-4000-8000-000000000001',
      key: Buffer.from('00', 'hex'),
      masterSaeId: 'sae-1',
      slaveSaeIds: [],
    };

    it('refuses them with KeyAccessDeniedError, not not-found, and keeps nothing', () => {
      const store = newStore();
      activateAll(store, [foreign]);
      expect(store.size).toBe(0);
      expect(() => store.take([foreign.keyId], 'sae-2', 'sae-1')).toThrow(KeyAccessDeniedError);
    });

    it('counts as arrived for a waiting dec_keys', async () => {
      const store = newStore();
      const waiting = store.whenPresent([foreign.keyId], 60_000);
      activateAll(store, [foreign]);
      await expect(waiting).resolves.toBeUndefined();
    });
  });

  describe('ActiveKeys capacity', () => {
    const key = (i: number): TestKey => ({
      keyId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      key: Buffer.from([i & 0xff]),
      masterSaeId: 'sae-1',
      slaveSaeIds: ['sae-2'],
    });

    it('drops the oldest undelivered keys once over capacity, and says how many', () => {
      const dropped: number[] = [];
      const store = newStore({ capacity: 100, onDropped: (count) => dropped.push(count) });
      for (let i = 0; i < 111; i++) activateAll(store, [key(i)]);
      expect(store.size).toBe(100);
      expect(dropped).toEqual([11]);
      expect(() => store.take([key(0).keyId], 'sae-2', 'sae-1')).toThrow(KeysNotFoundError);
      expect(store.take([key(110).keyId], 'sae-2', 'sae-1')[0].key).toEqual(key(110).key);
      expect(store.take([key(11).keyId], 'sae-2', 'sae-1')[0].key).toEqual(key(11).key);
    });
  });

  describe('ActiveKeys.activate', () => {
    it('keeps keys only for the slave SAEs attached to this KME', () => {
      const store = newStore({ attachedSaeIds: ['sae-2', 'sae-4'] });
      const ids = ['a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002'];
      const material = Buffer.from([1, 2, 3, 4]);
      store.activate({ keyIds: ids, material, keyBytes: 2 }, 'sae-1', ['sae-2', 'sae-3']);
      expect(() => store.take(ids, 'sae-3', 'sae-1')).toThrow(KeyAccessDeniedError);
      expect(store.take(ids, 'sae-2', 'sae-1').map((k) => k.key)).toEqual([
        Buffer.from([1, 2]),
        Buffer.from([3, 4]),
      ]);

      const foreign = ['a0000000-0000-4000-8000-000000000003'];
      store.activate({ keyIds: foreign, material: Buffer.from([5]), keyBytes: 1 }, 'sae-1', [
        'sae-3',
      ]);
      expect(store.size).toBe(0);
      expect(() => store.take(foreign, 'sae-2', 'sae-1')).toThrow(KeyAccessDeniedError);
    });

    it('tracks each multicast key of a batch on its own: one delivery leaves the others waiting', () => {
      const store = newStore({ attachedSaeIds: ['sae-2', 'sae-4'] });
      const ids = ['b0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002'];
      const material = Buffer.from([1, 2, 3, 4]);
      store.activate({ keyIds: ids, material, keyBytes: 2 }, 'sae-1', ['sae-2', 'sae-4']);

      expect(store.take([ids[0]], 'sae-2', 'sae-1')[0].key).toEqual(Buffer.from([1, 2]));
      expect(() => store.take([ids[0]], 'sae-2', 'sae-1')).toThrow(KeysNotFoundError);
      expect(store.take([ids[1]], 'sae-2', 'sae-1')[0].key).toEqual(Buffer.from([3, 4]));
      expect(store.take(ids, 'sae-4', 'sae-1').map((k) => k.key)).toEqual([
        Buffer.from([1, 2]),
        Buffer.from([3, 4]),
      ]);
      expect(store.size).toBe(0);
    });
  });
});

describe('deliveredKeysOf', () => {
  it('pairs each key ID with its own bytes of the batch, in order', () => {
    const batch = { keyIds: ['a', 'b'], material: Buffer.from([1, 2, 3, 4]), keyBytes: 2 };
    expect(deliveredKeysOf(batch)).toEqual([
      { keyId: 'a', key: Buffer.from([1, 2]) },
      { keyId: 'b', key: Buffer.from([3, 4]) },
    ]);
  });
});
