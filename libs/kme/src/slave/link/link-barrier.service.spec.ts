import type { KmeSettings } from '@app/config';
import type { InternalClient } from '@app/internal-client';
import { LinkBarrier } from './link-barrier.service';

/** The master KME's side, faked: records each barrier asked for and lets the test answer it. */
class FakeMasterKme {
  readonly asked: { id: string; answer: (ok: boolean) => void }[] = [];

  barrier(id: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.asked.push({
        id,
        answer: (ok) => (ok ? resolve() : reject(new Error('the master KME is unreachable'))),
      });
    });
  }
}

const settings = { keyIdWaitMs: 2_000, peerTimeoutMs: 1_000 } as KmeSettings;
/** Lets the promise callbacks of the barrier's chain run (also under fake timers). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('LinkBarrier', () => {
  let master: FakeMasterKme;
  let barrier: LinkBarrier;

  beforeEach(() => {
    master = new FakeMasterKme();
    barrier = new LinkBarrier(settings, master as unknown as InternalClient);
  });

  afterEach(() => barrier.onModuleDestroy());

  it('passes when the barrier the master KME queued arrives on the link, not before', async () => {
    let passed: boolean | undefined;
    const asking = barrier.passed(1_000).then((ok) => (passed = ok));
    expect(master.asked).toHaveLength(1);
    master.asked[0].answer(true);
    await settle();
    expect(passed).toBeUndefined(); // queued, not arrived yet
    barrier.arrived('some other barrier');
    await settle();
    expect(passed).toBeUndefined();
    barrier.arrived(master.asked[0].id);
    await asking;
    expect(passed).toBe(true);
  });

  it('one barrier at a time: those who ask while one is on its way share the next one', async () => {
    const first = barrier.passed(1_000);
    expect(master.asked).toHaveLength(1);
    // Asked after the first barrier was sent: it may not cover them.
    const outcomes: (boolean | undefined)[] = [undefined, undefined];
    const later = [barrier.passed(1_000), barrier.passed(1_000)];
    later.forEach((asking, i) => void asking.then((ok) => (outcomes[i] = ok)));
    expect(master.asked).toHaveLength(1);
    master.asked[0].answer(true);
    await settle();
    barrier.arrived(master.asked[0].id);
    expect(await first).toBe(true);
    await settle();
    expect(outcomes).toEqual([undefined, undefined]);
    expect(master.asked).toHaveLength(2);
    master.asked[1].answer(true);
    await settle();
    barrier.arrived(master.asked[1].id);
    expect(await Promise.all(later)).toEqual([true, true]);
    expect(master.asked).toHaveLength(2);
  });

  it('answers false at the asker’s deadline when the master KME cannot be reached', async () => {
    jest.useFakeTimers();
    try {
      const asking = barrier.passed(500);
      master.asked[0].answer(false);
      await settle();
      jest.advanceTimersByTime(499);
      let passed: boolean | undefined;
      void asking.then((ok) => (passed = ok));
      await settle();
      expect(passed).toBeUndefined();
      jest.advanceTimersByTime(1);
      expect(await asking).toBe(false);
      // A failed barrier is not retried on its own: an outage does not make the KME spin.
      expect(master.asked).toHaveLength(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('answers false when the queued barrier never arrives, and a barrier arriving late passes nobody', async () => {
    jest.useFakeTimers();
    try {
      const asking = barrier.passed(300);
      master.asked[0].answer(true);
      jest.advanceTimersByTime(300);
      expect(await asking).toBe(false);
      barrier.arrived(master.asked[0].id);
      const next = barrier.passed(300);
      await settle();
      expect(master.asked).toHaveLength(2);
      jest.advanceTimersByTime(300);
      expect(await next).toBe(false);
    } finally {
      jest.useRealTimers();
    }
  });
});
