import type { LinkSimulationSyncDto } from '@app/internal-client';
import { LINK_STATE_STALE_MS, SlaveSimulationState } from './slave-simulation-state';

const link = {
  quantumChannel: 'up',
  eavesdropper: false,
  qber: 0.01,
  secretKeyRateBps: 639000,
  distanceKm: 100,
  preset: 'long-haul',
  generating: true,
  reason: null,
} as const;

const answer = (changes: Partial<LinkSimulationSyncDto> = {}): LinkSimulationSyncDto => ({
  link: { ...link },
  faultsRun: 'run-a',
  faultsVersion: 0,
  refusals: [],
  ...changes,
});

describe('SlaveSimulationState', () => {
  let state: SlaveSimulationState;

  beforeEach(() => {
    state = new SlaveSimulationState('kme-2');
  });

  it('knows no link before the first answer, and forgets it when the answers stop', () => {
    expect(state.linkState()).toBeUndefined();
    state.answered(answer());
    expect(state.linkState()).toEqual({
      quantum_channel: 'up',
      eavesdropper: false,
      qber: 0.01,
      secret_key_rate_bps: 639000,
      distance_km: 100,
      preset: 'long-haul',
      generating: true,
      reason: null,
    });
    expect(state.linkState(Date.now() + LINK_STATE_STALE_MS)).toBeUndefined();
  });

  it('ignores an answer without the simulation (an older master KME)', () => {
    state.answered(undefined);
    expect(state.linkState()).toBeUndefined();
    expect(state.report()).toEqual({ faultsVersion: 0, refused: [] });
  });

  it('refuses what the faults aimed at it say, counts it and reports it', () => {
    state.answered(
      answer({ faultsVersion: 1, refusals: [{ id: 'fault-1', count: 2, refused: 0 }] }),
    );
    expect(state.report()).toEqual({
      faultsRun: 'run-a',
      faultsVersion: 1,
      refused: [{ id: 'fault-1', refused: 0 }],
    });
    expect(state.refuse()).toBe(
      'this request is refused on purpose by the simulated fault fault-1 (refuse_requests at kme-2, 1 more to refuse)',
    );
    // An answer sent before the master KME heard of that refusal does not give it back.
    state.answered(
      answer({ faultsVersion: 1, refusals: [{ id: 'fault-1', count: 2, refused: 0 }] }),
    );
    expect(state.refuse()).toMatch(/0 more to refuse/);
    expect(state.refuse()).toBeUndefined();
    expect(state.report().refused).toEqual([{ id: 'fault-1', refused: 2 }]);
    state.answered(answer({ faultsVersion: 2, refusals: [] }));
    expect(state.report()).toEqual({ faultsRun: 'run-a', faultsVersion: 2, refused: [] });
  });

  it('starts where the master KME says when it learns of a fault late (after a restart)', () => {
    state.answered(
      answer({ faultsVersion: 1, refusals: [{ id: 'fault-1', count: 3, refused: 2 }] }),
    );
    expect(state.refuse()).toMatch(/0 more to refuse/);
    expect(state.refuse()).toBeUndefined();
  });

  it('drops what it knew of a previous run of the master KME', () => {
    state.answered(
      answer({ faultsVersion: 1, refusals: [{ id: 'fault-1', count: 1, refused: 1 }] }),
    );
    state.answered(
      answer({
        faultsRun: 'run-b',
        faultsVersion: 1,
        refusals: [{ id: 'fault-1', count: 1, refused: 0 }],
      }),
    );
    expect(state.refuse()).toMatch(/fault-1/);
  });
});
