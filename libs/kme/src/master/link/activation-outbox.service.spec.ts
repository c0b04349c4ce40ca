import { Logger } from '@nestjs/common';
import { openMasterKeyStore, type SqliteMasterKeyStore } from '@app/key-store';
import { ActivationOutbox } from './activation-outbox.service';
import { ScriptedPublisher, pendingActivation as activation } from './testing/outbox-testing';

describe('ActivationOutbox', () => {
  let store: SqliteMasterKeyStore;
  let publisher: ScriptedPublisher;
  let outbox: ActivationOutbox;

  beforeEach(() => {
    jest.useFakeTimers();
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    store = openMasterKeyStore({
      dataDir: ':memory:',
      durability: 'process',
      attachedSaeIds: ['sae-1'],
      maxActiveKeys: 1000,
    });
    publisher = new ScriptedPublisher();
    outbox = new ActivationOutbox(store, publisher.asPublisher());
  });

  afterEach(() => {
    store.close();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  function record(...keyIds: string[]): void {
    store.transaction(() => keyIds.forEach((keyId) => outbox.record(activation(keyId))));
    outbox.poke();
  }

  it('ships what one commit recorded as one message, and counts it until the broker confirms', () => {
    record('k1', 'k2', 'k3');
    expect(publisher.messages).toHaveLength(1);
    expect(publisher.idsOf(0)).toEqual([1, 2, 3].map((seq) => `${store.storeId}/${seq}`));
    expect(outbox.size).toBe(3);
  });

  it('sends what is recorded while a message is unconfirmed together, in the next message', async () => {
    record('k1');
    record('k2');
    record('k3');
    expect(publisher.messages).toHaveLength(1);
    publisher.messages[0].confirm();
    await jest.advanceTimersByTimeAsync(0);
    expect(publisher.messages).toHaveLength(2);
    expect(publisher.idsOf(1)).toEqual([2, 3].map((seq) => `${store.storeId}/${seq}`));
    expect(outbox.size).toBe(2);
  });

  it('holds nothing back for more than 2 ms behind a message whose confirm is slow', async () => {
    record('k1');
    record('k2');
    await jest.advanceTimersByTimeAsync(1);
    expect(publisher.messages).toHaveLength(1);
    record('k3');
    await jest.advanceTimersByTimeAsync(1);
    // The first is still unconfirmed; what waited leaves together.
    expect(publisher.messages).toHaveLength(2);
    expect(publisher.idsOf(1)).toEqual([2, 3].map((seq) => `${store.storeId}/${seq}`));
    // And the next wait starts afresh.
    record('k4');
    await jest.advanceTimersByTimeAsync(1);
    expect(publisher.messages).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(publisher.messages).toHaveLength(3);
  });

  it('does not hold a message back behind one its publish hook delays: each is only as late as the hook says', async () => {
    const releases: (() => void)[] = [];
    const hook = {
      beforePublish: () => new Promise<void>((release) => releases.push(release)),
    };
    outbox = new ActivationOutbox(store, publisher.asPublisher(), hook);
    record('k1');
    record('k2');
    // Both wait at the hook at once, neither published yet.
    expect(releases).toHaveLength(2);
    expect(publisher.messages).toHaveLength(0);
    releases.forEach((release) => release());
    await jest.advanceTimersByTimeAsync(0);
    expect(publisher.messages.map((_, index) => publisher.idsOf(index))).toEqual([
      [`${store.storeId}/1`],
      [`${store.storeId}/2`],
    ]);
  });

  it('removes confirmed activations from the table in one later commit, not one per confirm', async () => {
    record('k1');
    publisher.messages[0].confirm();
    await jest.advanceTimersByTimeAsync(0);
    record('k2');
    publisher.messages[1].confirm();
    await jest.advanceTimersByTimeAsync(0);
    // Shipped: no longer waiting, though still in the table for a moment.
    expect(outbox.size).toBe(0);
    expect(store.outbox.size).toBe(2);
    const removals = jest.spyOn(store.outbox, 'removeThrough');
    await jest.advanceTimersByTimeAsync(25);
    expect(removals.mock.calls).toEqual([[2]]);
    expect(store.outbox.size).toBe(0);
  });

  it('ships again, with the same IDs, what the broker did not confirm', async () => {
    record('k1');
    publisher.messages[0].refuse(new Error('channel closed'));
    await jest.advanceTimersByTimeAsync(250);
    expect(publisher.messages).toHaveLength(2);
    expect(publisher.idsOf(1)).toEqual(publisher.idsOf(0));
    publisher.messages[1].confirm();
    await jest.advanceTimersByTimeAsync(25);
    expect(store.outbox.size).toBe(0);
  });

  it('leaves nothing confirmed in the table when the KME stops', async () => {
    record('k1');
    publisher.messages[0].confirm();
    await jest.advanceTimersByTimeAsync(0);
    expect(store.outbox.size).toBe(1);
    await outbox.beforeApplicationShutdown();
    expect(store.outbox.size).toBe(0);
  });

  it('keeps an unconfirmed activation in the table across a stop, for the next start', async () => {
    record('k1');
    const stopping = outbox.beforeApplicationShutdown();
    await jest.advanceTimersByTimeAsync(2_000);
    await stopping;
    expect(store.outbox.size).toBe(1);
    expect(store.outbox.entriesAfter(0, 1)[0].body).toContain('"k1"');
  });
});
