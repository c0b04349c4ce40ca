import { Logger } from '@nestjs/common';
import { InvalidRequestError } from '@app/etsi-api';
import { settingsOf } from '../testing/settings';
import { FaultBook } from './fault-book.service';

describe('FaultBook', () => {
  let book: FaultBook;
  let logs: string[];

  beforeEach(() => {
    logs = [];
    jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => {
      logs.push(String(message));
    });
    book = new FaultBook(settingsOf());
  });

  afterEach(() => {
    book.onModuleDestroy();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  describe('refuse_requests at the master KME', () => {
    it('defaults to the master KME, refuses exactly count requests, then is gone', () => {
      const added = book.add({ kind: 'refuse_requests', count: 2 }, 'operator CN=operator');
      expect(added).toMatchObject({
        kind: 'refuse_requests',
        count: 2,
        kme_id: 'kme-1',
        remaining: 2,
        in_force: true,
      });
      expect(logs).toEqual([
        `fault ${added.id} added by operator CN=operator: the next 2 key requests at kme-1 answer 503`,
      ]);
      expect(book.refuseHere()).toBe(
        `this request is refused on purpose by the simulated fault ${added.id} (refuse_requests at kme-1, 1 more to refuse)`,
      );
      expect(book.list()).toMatchObject([{ remaining: 1 }]);
      expect(book.refuseHere()).toMatch(/0 more to refuse/);
      expect(book.refuseHere()).toBeUndefined();
      expect(book.list()).toEqual([]);
      expect(logs.at(-1)).toBe(`fault ${added.id} done: 2 key requests refused at kme-1`);
    });

    it('uses the oldest fault first', () => {
      const first = book.add({ kind: 'refuse_requests', count: 1 }, 'x');
      const second = book.add({ kind: 'refuse_requests', count: 1 }, 'x');
      expect(book.refuseHere()).toContain(first.id);
      expect(book.refuseHere()).toContain(second.id);
    });

    it('refuses a KME not of this link, keeping nothing', () => {
      expect(() => book.add({ kind: 'refuse_requests', count: 1, kme_id: 'kme-9' }, 'x')).toThrow(
        InvalidRequestError,
      );
      expect(book.list()).toEqual([]);
      // The refused one took no ID.
      expect(book.add({ kind: 'refuse_requests', count: 1 }, 'x').id).toBe('fault-1');
    });
  });

  describe('refuse_requests at the slave KME', () => {
    it('is not counted here, goes to the slave KME with a new version, and is in force once applied', async () => {
      const added = book.add({ kind: 'refuse_requests', count: 3, kme_id: 'kme-2' }, 'x');
      expect(added.in_force).toBe(false);
      expect(book.refuseHere()).toBeUndefined();
      const carried = book.forSlave();
      expect(carried).toEqual({
        run: book.run,
        version: 1,
        refusals: [{ id: added.id, count: 3, refused: 0 }],
      });
      const applied = book.untilSlaveApplied(carried.version, 1_000);
      book.slaveReported({
        faultsRun: book.run,
        faultsVersion: 1,
        refused: [{ id: added.id, refused: 2 }],
      });
      await expect(applied).resolves.toBe(true);
      expect(book.list()).toMatchObject([{ id: added.id, remaining: 1, in_force: true }]);
      book.slaveReported({
        faultsRun: book.run,
        faultsVersion: 1,
        refused: [{ id: added.id, refused: 3 }],
      });
      expect(book.list()).toEqual([]);
      expect(book.forSlave()).toEqual({ run: book.run, version: 2, refusals: [] });
    });

    it('ignores a report of another run of the master KME', () => {
      const added = book.add({ kind: 'refuse_requests', count: 3, kme_id: 'kme-2' }, 'x');
      book.slaveReported({
        faultsRun: 'earlier',
        faultsVersion: 1,
        refused: [{ id: added.id, refused: 3 }],
      });
      expect(book.list()).toMatchObject([{ remaining: 3, in_force: false }]);
      book.slaveReported({ faultsVersion: 0, refused: [] });
      expect(book.list()).toMatchObject([{ in_force: false }]);
    });

    it('gives up waiting for an unreachable slave KME, keeping the fault', async () => {
      book.add({ kind: 'refuse_requests', count: 1, kme_id: 'kme-2' }, 'x');
      await expect(book.untilSlaveApplied(book.versionForSlave, 20)).resolves.toBe(false);
      expect(book.list()).toHaveLength(1);
    });
  });

  describe('relay_delay', () => {
    it('gives the longest delay in force and ends after duration_s', () => {
      jest.useFakeTimers();
      const listener = jest.fn();
      book.onChange(listener);
      const added = book.add({ kind: 'relay_delay', ms: 300, duration_s: 2 }, 'x');
      book.add({ kind: 'relay_delay', ms: 100, duration_s: 5 }, 'x');
      expect(added).toMatchObject({ kind: 'relay_delay', ms: 300, duration_s: 2, in_force: true });
      expect(
        Date.parse((added as { expires_at: string }).expires_at) - Date.parse(added.created_at),
      ).toBe(2000);
      expect(book.relayDelayMs()).toBe(300);
      jest.advanceTimersByTime(2_000);
      expect(book.relayDelayMs()).toBe(100);
      expect(logs).toContain(`fault ${added.id} ended: activations were 300 ms late for 2 s`);
      jest.advanceTimersByTime(3_000);
      expect(book.relayDelayMs()).toBe(0);
      expect(book.list()).toEqual([]);
      expect(listener).toHaveBeenCalledTimes(4);
    });
  });

  it('clears everything, saying what, and tells the slave KME by a new version', () => {
    const a = book.add({ kind: 'refuse_requests', count: 1, kme_id: 'kme-2' }, 'x');
    const b = book.add({ kind: 'relay_delay', ms: 10, duration_s: 10 }, 'x');
    expect(book.clear('operator CN=operator')).toEqual([a.id, b.id]);
    expect(book.list()).toEqual([]);
    expect(book.relayDelayMs()).toBe(0);
    expect(book.forSlave()).toMatchObject({ version: 2, refusals: [] });
    expect(logs.at(-1)).toBe(`faults cleared by operator CN=operator: ${a.id}, ${b.id}`);
  });
});
