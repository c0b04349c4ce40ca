import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { KmeSettings } from '@app/config';
import { FaultBook } from '../faults/fault-book.service';
import { LinkSimulation } from '../link/link-simulation.service';
import type { PoolDrain } from '../pool/pool-drain.service';
import { settingsOf } from '../testing/settings';
import { ScenarioPlayer } from './scenario-player.service';

describe('ScenarioPlayer', () => {
  let dir: string;
  let settings: KmeSettings;
  let link: LinkSimulation;
  let book: FaultBook;
  let drained: string[];
  let logs: string[];

  const playerOf = (scenario?: string): ScenarioPlayer => {
    let file: string | undefined;
    if (scenario !== undefined) {
      file = join(dir, 'scenario.yaml');
      writeFileSync(file, scenario);
    }
    settings = settingsOf({
      KEY_RATE_BPS: '64000',
      ...(file === undefined ? {} : { SCENARIO_FILE: file }),
    });
    link = new LinkSimulation(settings);
    book = new FaultBook(settings);
    const drain = {
      drain: (who: string) => {
        drained.push(who);
        return Promise.resolve({ discarded_bits: 0, valid_from_offset: 0, slave_kme_reset: true });
      },
    } as unknown as PoolDrain;
    return new ScenarioPlayer(settings, link, book, drain);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'scenario-player-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-01-01T12:00:00Z') });
    drained = [];
    logs = [];
    jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => {
      logs.push(String(message));
    });
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      logs.push(`WARN ${String(message)}`);
    });
  });

  afterEach(() => {
    book?.onModuleDestroy();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('without SCENARIO_FILE plays nothing', () => {
    const player = playerOf();
    player.onApplicationBootstrap();
    expect(player.status()).toEqual({ file: null, started_at: null, steps: [] });
  });

  it('plays each step at its time from the start, undoing timed changes, as who it is', () => {
    const player = playerOf(
      [
        'steps:',
        '  - { at: 30, for: 20, link: { eavesdropper: true } }',
        '  - { at: 40, fault: { kind: refuse_requests, count: 2 } }',
        '  - { at: 45, drain: true }',
      ].join('\n'),
    );
    player.onApplicationBootstrap();
    expect(player.status()).toMatchObject({ started_at: '2026-01-01T12:00:00.000Z' });
    jest.advanceTimersByTime(29_999);
    expect(link.linkState().eavesdropper).toBe(false);
    jest.advanceTimersByTime(1);
    expect(link.linkState()).toMatchObject({ eavesdropper: true, generating: false });
    expect(
      logs.some((line) => line.includes('scenario scenario.yaml step 1 set eavesdropper=true')),
    ).toBe(true);
    jest.advanceTimersByTime(10_000);
    expect(book.list()).toMatchObject([{ kind: 'refuse_requests', count: 2 }]);
    jest.advanceTimersByTime(5_000);
    expect(drained).toEqual(['scenario scenario.yaml step 3']);
    jest.advanceTimersByTime(4_999);
    expect(link.linkState().eavesdropper).toBe(true);
    jest.advanceTimersByTime(1);
    expect(link.linkState()).toMatchObject({ eavesdropper: false, generating: true });
    expect(player.status().steps).toEqual([
      {
        at_s: 30,
        for_s: 20,
        action: 'link eavesdropper=true',
        applied_at: '2026-01-01T12:00:30.000Z',
        ended_at: '2026-01-01T12:00:50.000Z',
        error: null,
      },
      {
        at_s: 40,
        for_s: null,
        action: 'refuse the next 2 key requests',
        applied_at: '2026-01-01T12:00:40.000Z',
        ended_at: null,
        error: null,
      },
      {
        at_s: 45,
        for_s: null,
        action: 'drain the pool',
        applied_at: '2026-01-01T12:00:45.000Z',
        ended_at: null,
        error: null,
      },
    ]);
  });

  it('never runs a step before its time when a timer fires early by the wall clock', () => {
    const player = playerOf('steps:\n  - { at: 8, for: 4, link: { eavesdropper: true } }');
    player.onApplicationBootstrap();
    // The wall clock 1 ms behind the timers' clock, as Node's cached loop time can leave it.
    jest.setSystemTime(Date.now() - 1);
    jest.advanceTimersByTime(8_000);
    expect(link.linkState().eavesdropper).toBe(false);
    jest.advanceTimersByTime(1);
    expect(link.linkState().eavesdropper).toBe(true);
    jest.setSystemTime(Date.now() - 1);
    jest.advanceTimersByTime(4_000);
    expect(link.linkState().eavesdropper).toBe(true);
    jest.advanceTimersByTime(1);
    expect(link.linkState().eavesdropper).toBe(false);
    expect(player.status().steps[0]).toMatchObject({
      applied_at: '2026-01-01T12:00:08.000Z',
      ended_at: '2026-01-01T12:00:12.000Z',
    });
  });

  it('keeps playing when a step cannot apply then (the operator changed the link), saying why', () => {
    const player = playerOf(
      [
        'steps:',
        '  - { at: 1, link: { preset: metro } }',
        '  - { at: 2, link: { distance_km: 10 } }',
      ].join('\n'),
    );
    player.onApplicationBootstrap();
    jest.advanceTimersByTime(1_500);
    link.change({ key_rate_bps: 1000 }, 'operator CN=operator');
    jest.advanceTimersByTime(1_000);
    expect(player.status().steps[1].applied_at).toBeNull();
    expect(player.status().steps[1].error).toMatch(/distance_km/);
    expect(logs.at(-1)).toMatch(
      /^WARN scenario scenario.yaml step 2 could not be applied: distance_km/,
    );
  });

  it('stops its timers when the KME stops', () => {
    const player = playerOf('[{ at: 5, link: { eavesdropper: true } }]');
    player.onApplicationBootstrap();
    player.beforeApplicationShutdown();
    jest.advanceTimersByTime(10_000);
    expect(link.linkState().eavesdropper).toBe(false);
  });
});
