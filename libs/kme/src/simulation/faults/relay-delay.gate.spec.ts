import { settingsOf } from '../testing/settings';
import { FaultBook } from './fault-book.service';
import { RelayDelayGate } from './relay-delay.gate';

describe('RelayDelayGate', () => {
  let book: FaultBook;
  let gate: RelayDelayGate;

  beforeEach(() => {
    jest.useFakeTimers();
    book = new FaultBook(settingsOf());
    gate = new RelayDelayGate(book);
  });

  afterEach(() => {
    gate.onModuleDestroy();
    book.onModuleDestroy();
    jest.useRealTimers();
  });

  /** Settles the promise callbacks due now, as the event loop would between timers. */
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };

  it('lets messages go at once without a relay_delay', () => {
    expect(gate.beforePublish()).toBeUndefined();
  });

  it('holds each message for the delay, in order, and lets them go together when cleared', async () => {
    book.add({ kind: 'relay_delay', ms: 500, duration_s: 60 }, 'x');
    const released: string[] = [];
    void gate.beforePublish()!.then(() => released.push('a'));
    jest.advanceTimersByTime(100);
    void gate.beforePublish()!.then(() => released.push('b'));
    jest.advanceTimersByTime(399);
    await settle();
    expect(released).toEqual([]);
    jest.advanceTimersByTime(1);
    await settle();
    expect(released).toEqual(['a']);
    jest.advanceTimersByTime(99);
    await settle();
    expect(released).toEqual(['a']);
    jest.advanceTimersByTime(1);
    await settle();
    expect(released).toEqual(['a', 'b']);

    void gate.beforePublish()!.then(() => released.push('c'));
    void gate.beforePublish()!.then(() => released.push('d'));
    book.clear('x');
    await settle();
    expect(released).toEqual(['a', 'b', 'c', 'd']);
    expect(gate.beforePublish()).toBeUndefined();
  });

  it('never lets a message overtake one held before it', async () => {
    book.add({ kind: 'relay_delay', ms: 1_000, duration_s: 0.5 }, 'x');
    const released: string[] = [];
    void gate.beforePublish()!.then(() => released.push('held'));
    jest.advanceTimersByTime(500);
    // The fault ended: what still waits goes, and what comes next waits for nothing more.
    await settle();
    expect(released).toEqual(['held']);
    book.add({ kind: 'relay_delay', ms: 300, duration_s: 60 }, 'x');
    void gate.beforePublish()!.then(() => released.push('first'));
    book.add({ kind: 'relay_delay', ms: 50, duration_s: 60 }, 'x');
    void gate.beforePublish()!.then(() => released.push('second'));
    jest.advanceTimersByTime(300);
    await settle();
    expect(released).toEqual(['held', 'first', 'second']);
  });
});
