import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import {
  LinkMessageType,
  type ActivationMessage,
  type LinkConsumer,
  type LinkMessage,
} from '@app/broker';
import { KeysNotFoundError } from '@app/key-pool';
import { openSlaveKeyStore, type SqliteSlaveKeyStore } from '@app/key-store';
import { TimeOrderedKeyIds } from '../../master/keys/key-allocator';
import type { LinkBarrier } from './link-barrier.service';
import { LinkReceiver } from './link-receiver.service';

const EPOCH = 'epoch-1';
const KEY_BYTES = 32;

describe('LinkReceiver', () => {
  let store: SqliteSlaveKeyStore;
  let receiver: LinkReceiver;
  /** The stream's first 96 bytes; only the first 64 are shipped. */
  const stream = randomBytes(96);
  const ids = new TimeOrderedKeyIds();

  beforeEach(() => {
    store = openSlaveKeyStore({
      dataDir: ':memory:',
      durability: 'process',
      attachedSaeIds: ['sae-2'],
      maxActiveKeys: 1000,
    });
    receiver = new LinkReceiver(store, {} as LinkConsumer, {} as LinkBarrier);
    receiver.handle({
      type: LinkMessageType.LinkReset,
      reset: { epoch: EPOCH, fromOffset: 0, slaveStoreId: store.storeId },
    });
    receiver.handle({
      type: LinkMessageType.MaterialBlock,
      epoch: EPOCH,
      start: 0,
      bytes: stream.subarray(0, 64),
    });
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    store.close();
    jest.restoreAllMocks();
  });

  /** One key of KEY_BYTES at `start` of the stream, for sae-2. */
  const activation = (seq: number, start: number): ActivationMessage => ({
    id: `master-store/${seq}`,
    epoch: EPOCH,
    ranges: [{ start, end: start + KEY_BYTES }],
    keyBytes: KEY_BYTES,
    keyIds: ids.next(1),
    masterSaeId: 'sae-1',
    slaveSaeIds: ['sae-2'],
  });
  const take = (keyId: string) => store.activeKeys.take([keyId], 'sae-2', 'sae-1');

  it('serves each activation of a message the bytes of its own ranges, whose ranges follow each other', () => {
    const [first, second] = [activation(1, 0), activation(2, KEY_BYTES)];
    receiver.handle({ type: LinkMessageType.Activations, activations: [first, second] });

    expect(take(first.keyIds[0])[0].key.equals(stream.subarray(0, 32))).toBe(true);
    expect(take(second.keyIds[0])[0].key.equals(stream.subarray(32, 64))).toBe(true);
    expect(store.material.availableBytes).toBe(0);
  });

  it('applies the others when one activation of a message has no material, and none twice', () => {
    // The second's bytes never arrived: a store of the master KME was lost, say.
    const [first, missing, third] = [activation(1, 32), activation(2, 64), activation(3, 0)];
    const message: LinkMessage = {
      type: LinkMessageType.Activations,
      activations: [first, missing, third],
    };
    receiver.handle(message);

    expect(take(first.keyIds[0])[0].key.equals(stream.subarray(32, 64))).toBe(true);
    expect(() => take(missing.keyIds[0])).toThrow(KeysNotFoundError);
    expect(take(third.keyIds[0])[0].key.equals(stream.subarray(0, 32))).toBe(true);

    // Redelivered (the ack was lost): applied already, so nothing is cut or stored again.
    receiver.handle(message);
    expect(() => take(first.keyIds[0])).toThrow(KeysNotFoundError);
    expect(() => take(missing.keyIds[0])).toThrow(KeysNotFoundError);
  });
});
