import { Logger } from '@nestjs/common';
import { KeyServiceUnavailableError } from '@app/etsi-api';
import { openMasterKeyStore, type SqliteMasterKeyStore } from '@app/key-store';
import { ActivationOutbox } from '../../master/link/activation-outbox.service';
import type { SlaveLinkService } from '../../master/link/slave-link.service';
import {
  ScriptedPublisher,
  pendingActivation as activation,
} from '../../master/link/testing/outbox-testing';
import { settingsOf } from '../testing/settings';
import { PoolDrain } from './pool-drain.service';

describe('PoolDrain', () => {
  let store: SqliteMasterKeyStore;
  let publisher: ScriptedPublisher;
  let outbox: ActivationOutbox;
  let resets: { fromOffset: number; waitingAtReset: number }[];
  let drain: PoolDrain;

  beforeEach(() => {
    jest.useFakeTimers();
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    store = openMasterKeyStore({
      dataDir: ':memory:',
      durability: 'process',
      attachedSaeIds: ['sae-1'],
      maxActiveKeys: 1000,
    });
    publisher = new ScriptedPublisher();
    outbox = new ActivationOutbox(store, publisher.asPublisher());
    resets = [];
    const slaveLink = {
      resetSlaveMaterial: (fromOffset: number) => {
        resets.push({ fromOffset, waitingAtReset: outbox.size });
        return Promise.resolve(true);
      },
    } as unknown as SlaveLinkService;
    drain = new PoolDrain(settingsOf({ PEER_TIMEOUT_MS: '300' }), store, outbox, slaveLink);
  });

  afterEach(() => {
    store.close();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  /** One commit recording activations, shipped as one message. */
  function record(...keyIds: string[]): void {
    store.transaction(() => keyIds.forEach((keyId) => outbox.record(activation(keyId))));
    outbox.poke();
  }

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
    expect(resets).toEqual([{ fromOffset: 1000, waitingAtReset: 0 }]);
    expect(allocated.bytes.length).toBe(100);
    // The next block starts where the drain said material is valid again.
    expect(store.material.reserve(Buffer.alloc(10)).start).toBe(1000);
  });

  it('resets the slave KME only once the broker confirmed the activations recorded before the drain', async () => {
    ship(1000);
    record('k1');
    record('k2');
    const done = drain.drain('x');
    await jest.advanceTimersByTimeAsync(0);
    expect(resets).toEqual([]);
    publisher.messages[0].confirm();
    await jest.advanceTimersByTimeAsync(0);
    // An activation recorded after the drain need not go first.
    record('k3');
    await jest.advanceTimersByTimeAsync(0);
    expect(resets).toEqual([]);
    publisher.messages[1].confirm();
    await done;
    expect(resets).toEqual([{ fromOffset: 1000, waitingAtReset: 1 }]);
  });

  it('answers 503 when the activations ahead are not confirmed in time, having dropped its own material', async () => {
    ship(1000);
    record('k1');
    const done = expect(drain.drain('x')).rejects.toThrow(KeyServiceUnavailableError);
    await jest.advanceTimersByTimeAsync(300);
    await done;
    expect(store.material.availableBytes).toBe(0);
    expect(resets).toEqual([]);
  });
});
