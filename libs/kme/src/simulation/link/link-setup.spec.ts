import { InvalidRequestError } from '@app/etsi-api';
import {
  ABORT_QBER_THRESHOLD,
  DEFAULT_BASELINE_QBER,
  LINK_PRESETS,
  NO_FAULTS,
  secretKeyRate,
} from '@app/link-model';
import {
  applyChange,
  describeChange,
  describeView,
  formatRate,
  initialSetupOf,
  rateOf,
  revertChange,
  viewOf,
  type LinkSetup,
} from './link-setup';

const fixed = (rateBps: number): LinkSetup => ({
  source: { kind: 'fixed-rate', rateBps },
  faults: NO_FAULTS,
});
const longHaul: LinkSetup = {
  source: {
    kind: 'physics',
    preset: 'long-haul',
    parameters: LINK_PRESETS['long-haul'].parameters,
  },
  faults: NO_FAULTS,
};

function refusal(work: () => unknown): InvalidRequestError {
  try {
    work();
  } catch (error) {
    if (error instanceof InvalidRequestError) return error;
    throw error;
  }
  throw new Error('expected an InvalidRequestError');
}

describe('the link setup', () => {
  it('starts from the settings: a fixed rate, or a preset', () => {
    expect(initialSetupOf({ model: 'fixed-rate', rateBps: 64000, ignoredVariables: [] })).toEqual(
      fixed(64000),
    );
    expect(
      initialSetupOf({
        model: 'physics',
        preset: undefined,
        parameters: LINK_PRESETS.metro.parameters,
      }),
    ).toEqual({
      ...longHaul,
      source: { ...longHaul.source, preset: null, parameters: LINK_PRESETS.metro.parameters },
    });
  });

  describe('viewOf', () => {
    it('shows a physics link with the model’s figures', () => {
      const physics = secretKeyRate(LINK_PRESETS['long-haul'].parameters);
      expect(viewOf(longHaul)).toEqual({
        quantum_channel: 'up',
        eavesdropper: false,
        qber: physics.qber,
        secret_key_rate_bps: physics.secretKeyRateBps,
        distance_km: 100,
        preset: 'long-haul',
        generating: true,
        reason: null,
      });
    });

    it('shows a fixed-rate link at the baseline QBER, without distance or preset', () => {
      expect(viewOf(fixed(64000))).toMatchObject({
        qber: DEFAULT_BASELINE_QBER,
        secret_key_rate_bps: 64000,
        distance_km: null,
        preset: null,
        generating: true,
      });
    });

    it('shows a link without a rate limit (KEY_RATE_BPS=0) as generating at rate null', () => {
      expect(viewOf(fixed(0))).toMatchObject({ secret_key_rate_bps: null, generating: true });
      expect(rateOf(fixed(0))).toBe(Infinity);
    });

    it('stops any link under an eavesdropper or with the channel down, and says why', () => {
      for (const setup of [fixed(0), fixed(64000), longHaul]) {
        const eve = viewOf({ ...setup, faults: { quantumChannel: 'up', eavesdropper: true } });
        expect(eve.qber).toBeGreaterThan(ABORT_QBER_THRESHOLD);
        expect(eve).toMatchObject({ generating: false, secret_key_rate_bps: 0 });
        expect(eve.reason).toMatch(/above the abort threshold/);
        const down = viewOf({ ...setup, faults: { quantumChannel: 'down', eavesdropper: false } });
        expect(down).toMatchObject({ generating: false, secret_key_rate_bps: 0, qber: 0.5 });
        expect(down.reason).toBe('the quantum channel is down');
        expect(rateOf({ ...setup, faults: { quantumChannel: 'down', eavesdropper: false } })).toBe(
          0,
        );
      }
    });
  });

  describe('applyChange', () => {
    it('sets the faults and keeps the rest', () => {
      const next = applyChange(longHaul, { eavesdropper: true });
      expect(next).toEqual({ ...longHaul, faults: { quantumChannel: 'up', eavesdropper: true } });
      expect(applyChange(next, { quantum_channel: 'down' }).faults).toEqual({
        quantumChannel: 'down',
        eavesdropper: true,
      });
    });

    it('a preset replaces the physics, a distance moves the fibre, a rate drops the physics', () => {
      const metro = applyChange(fixed(64000), { preset: 'metro', distance_km: 40 });
      expect(metro.source).toEqual({
        kind: 'physics',
        preset: 'metro',
        parameters: { ...LINK_PRESETS.metro.parameters, fibreLengthKm: 40 },
      });
      expect(applyChange(metro, { distance_km: 10 }).source).toMatchObject({
        preset: 'metro',
        parameters: { fibreLengthKm: 10 },
      });
      expect(applyChange(metro, { key_rate_bps: 1000 }).source).toEqual({
        kind: 'fixed-rate',
        rateBps: 1000,
      });
    });

    it('refuses what does not fit together, naming the member', () => {
      const distance = refusal(() => applyChange(fixed(64000), { distance_km: 10 })).details;
      expect(distance.map((detail) => Object.keys(detail))).toEqual([['distance_km']]);
      expect(distance[0].distance_km).toMatch(/modelled from physics/);
      const rate = refusal(() => applyChange(longHaul, { key_rate_bps: 5, preset: 'lab' })).details;
      expect(rate.map((detail) => Object.keys(detail))).toEqual([['key_rate_bps']]);
      expect(rate[0].key_rate_bps).toMatch(/cannot be given with preset or distance_km/);
      expect(refusal(() => applyChange(longHaul, { preset: 'toString' })).details).toEqual([
        { preset: 'must be one of lab, metro, long-haul, record-10km' },
      ]);
    });
  });

  it('revertChange sets back what a change set, and only that', () => {
    const before = applyChange(longHaul, { quantum_channel: 'down' });
    const during = applyChange(applyChange(before, { eavesdropper: true, distance_km: 80 }), {
      quantum_channel: 'up',
    });
    const after = revertChange(during, before, { eavesdropper: true, distance_km: 80 });
    // The channel went up meanwhile: that stays; the eavesdropper and the distance come back.
    expect(after).toEqual({
      source: longHaul.source,
      faults: { quantumChannel: 'up', eavesdropper: false },
    });
  });

  it('describes links, rates and changes in a few words', () => {
    expect(describeView(viewOf(longHaul))).toMatch(/^long-haul, 100 km: QBER 1\.0%, 63\d kbit\/s$/);
    expect(describeView(viewOf(fixed(0)))).toBe('fixed rate: QBER 2.0%, unlimited');
    expect(
      describeView(viewOf({ ...fixed(8), faults: { quantumChannel: 'down', eavesdropper: true } })),
    ).toBe(
      'fixed rate (quantum channel down, eavesdropper on): QBER 50.0%, not generating: the quantum channel is down',
    );
    expect(formatRate(115.8e6)).toBe('116 Mbit/s');
    expect(formatRate(500)).toBe('500 bit/s');
    expect(describeChange({ eavesdropper: true, distance_km: 80 })).toBe(
      'eavesdropper=true, distance_km=80',
    );
    expect(describeChange({})).toBe('nothing');
  });
});
