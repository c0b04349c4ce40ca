import { setImmediate as nextTurn } from 'node:timers/promises';
import { CallBatcher } from './call-batcher';

/** Lets the batcher's settle handlers and its next turn run. */
async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await nextTurn();
}

/** A sender whose calls the test settles by hand. */
class ControlledSender {
  readonly calls: {
    items: number[];
    settle: (results: string[]) => void;
    fail: (error: Error) => void;
  }[] = [];

  readonly send = (items: number[]): Promise<string[]> =>
    new Promise((resolve, reject) => this.calls.push({ items, settle: resolve, fail: reject }));

  answer(call: number): void {
    this.calls[call].settle(this.calls[call].items.map((item) => `r${item}`));
  }
}

describe('CallBatcher', () => {
  it('sends the items added in one turn of the event loop as one batch, results in order', async () => {
    const sender = new ControlledSender();
    const batcher = new CallBatcher(sender.send, { maxInFlight: 2, maxBatchSize: 100 });

    const results = Promise.all([1, 2, 3].map((item) => batcher.add(item)));
    await nextTurn();
    expect(sender.calls.map((call) => call.items)).toEqual([[1, 2, 3]]);

    sender.answer(0);
    await expect(results).resolves.toEqual(['r1', 'r2', 'r3']);
  });

  it('holds new items while maxInFlight batches are out, then sends them together', async () => {
    const sender = new ControlledSender();
    const batcher = new CallBatcher(sender.send, { maxInFlight: 1, maxBatchSize: 100 });

    const first = batcher.add(1);
    await nextTurn();
    const later = [batcher.add(2), batcher.add(3)];
    await nextTurn();
    const inNextTurn = batcher.add(4);
    await nextTurn();
    expect(sender.calls.map((call) => call.items)).toEqual([[1]]);
    expect(batcher.backlog).toBe(3);

    sender.answer(0);
    await expect(first).resolves.toBe('r1');
    await turns(2);
    expect(sender.calls.map((call) => call.items)).toEqual([[1], [2, 3, 4]]);

    sender.answer(1);
    await expect(Promise.all([...later, inNextTurn])).resolves.toEqual(['r2', 'r3', 'r4']);
    expect(batcher.backlog).toBe(0);
  });

  it('splits a backlog larger than maxBatchSize over several calls, in order', async () => {
    const sender = new ControlledSender();
    const batcher = new CallBatcher(sender.send, { maxInFlight: 3, maxBatchSize: 2 });

    const results = Promise.all([1, 2, 3, 4, 5].map((item) => batcher.add(item)));
    await turns(4);
    expect(sender.calls.map((call) => call.items)).toEqual([[1, 2], [3, 4], [5]]);

    [2, 0, 1].forEach((call) => sender.answer(call));
    await expect(results).resolves.toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('rejects every item of a failed batch with its error, and goes on with the next', async () => {
    const sender = new ControlledSender();
    const batcher = new CallBatcher(sender.send, { maxInFlight: 1, maxBatchSize: 100 });

    const failing = [batcher.add(1), batcher.add(2)];
    await nextTurn();
    const next = batcher.add(3);
    sender.calls[0].fail(new Error('broker gone'));
    for (const item of failing) await expect(item).rejects.toThrow('broker gone');

    await turns(2);
    expect(sender.calls[1].items).toEqual([3]);
    sender.answer(1);
    await expect(next).resolves.toBe('r3');
  });

  it('rejects the batch when the sender throws instead of returning a promise', async () => {
    const batcher = new CallBatcher<number, string>(
      () => {
        throw new Error('cannot encode');
      },
      { maxInFlight: 1, maxBatchSize: 100 },
    );
    await expect(batcher.add(1)).rejects.toThrow('cannot encode');
    // The failed call freed its slot.
    await expect(batcher.add(2)).rejects.toThrow('cannot encode');
  });

  it('rejects every item when the sender answers with the wrong number of results', async () => {
    const batcher = new CallBatcher<number, string>(() => Promise.resolve(['only one']), {
      maxInFlight: 1,
      maxBatchSize: 100,
    });
    const results = [batcher.add(1), batcher.add(2)];
    for (const result of results) {
      await expect(result).rejects.toThrow('a batch of 2 settled with 1 results');
    }
  });

  it('refuses limits below one', () => {
    const send = (items: number[]) => Promise.resolve(items);
    expect(() => new CallBatcher(send, { maxInFlight: 0, maxBatchSize: 1 })).toThrow(RangeError);
    expect(() => new CallBatcher(send, { maxInFlight: 1, maxBatchSize: 0 })).toThrow(RangeError);
  });
});
