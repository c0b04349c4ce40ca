import { Logger } from '@nestjs/common';
import { UnavailableError } from '@app/key-pool';
import { openMasterKeyStore, type SqliteMasterKeyStore } from '@app/key-store';
import type { SlaveLinkService } from '../../master/link/slave-link.service';
import { settingsOf } from '../testing/settings';
import { PoolDrain } from './pool-drain.service';

describe('PoolDrain', () => {
  let store: SqliteMasterKeyStore;
  let resets: { fromOffset: number; outboxAtReset: number }[];
  let drain: PoolDrain;

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    store = openMasterKeyStore({
      dataDir: ':memory:',
      durability: 'process',
      attachedSaeIds: ['sae-1'],
      maxActiveKeys: 1000,
    });
    resets = [];
    const slaveLink = {
      resetSlaveMaterial: (fromOffset: number) => {
        resets.push({ fromOffset, outboxAtReset: store.outbox.size });
        return Promise.resolve(true);
      },
    } as unknown as SlaveLinkService;
    drain = new PoolDrain(settingsOf({ PEER_TIMEOUT_MS: '300' }), store, slaveLink);
  });

  afterEach(() => {
    store.close();
    jest.restoreAllMocks();
  });

  /** Material shipped and confirmed: allocatable at the master KME. */
  function ship(bytes: number): void {
    store.material.commit(store.material.reserve(Buffer.alloc(bytes, 7)));
  }

  it('drops what is not allocated, keeps what is, and resets the slave KME from the same offset', async () => {
    ship(1000);
    const allocated = store.material.allocate(100);
    const result = await drain.drain('operator CN=operator');
    expect(result).toEqual({
      discarded_bits: 900 * 8,
      valid_from_offset: 1000,
      slave_kme_reset: true,
    });
    expect(store.material.availableBytes).toBe(0);
    expect(resets).toEqual([{ fromOffset: 1000, outboxAtReset: 0 }]);
    expect(allocated.bytes.length).toBe(100);
    // The next block starts where the drain said material is valid again.
    expect(store.material.reserve(Buffer.alloc(10)).start).toBe(1000);
  });

  it('resets the slave KME only once the activations recorded before the drain left the outbox', async () => {
    ship(1000);
    store.transaction(() => store.outbox.add('{"a":1}'));
    store.transaction(() => store.outbox.add('{"a":2}'));
    const done = drain.drain('x');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(resets).toEqual([]);
    const [first, second] = store.outbox.entriesAfter(0, 2);
    store.outbox.removeThrough(first.seq);
    // An activation recorded after the drain need not go first.
    store.transaction(() => store.outbox.add('{"a":3}'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(resets).toEqual([]);
    store.outbox.removeThrough(second.seq);
    await done;
    expect(resets).toEqual([{ fromOffset: 1000, outboxAtReset: 1 }]);
  });

  it('answers 503 when the activations ahead do not leave in time, having dropped its own material', async () => {
    ship(1000);
    store.transaction(() => store.outbox.add('{"a":1}'));
    await expect(drain.drain('x')).rejects.toThrow(UnavailableError);
    expect(store.material.availableBytes).toBe(0);
    expect(resets).toEqual([]);
  });
});
