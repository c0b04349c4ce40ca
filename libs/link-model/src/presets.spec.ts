import { ABORT_QBER_THRESHOLD } from './abort-threshold';
import { secretKeyRate } from './decoy-key-rate';
import { LINK_PRESETS } from './presets';

describe('LINK_PRESETS', () => {
  it('has exactly the ids lab, metro, long-haul and record-10km, each under its own id', () => {
    expect(Object.keys(LINK_PRESETS).sort()).toEqual(['lab', 'long-haul', 'metro', 'record-10km']);
    for (const [id, preset] of Object.entries(LINK_PRESETS)) {
      expect(preset.id).toBe(id);
      expect(preset.name).not.toBe('');
      expect(preset.description).not.toBe('');
      expect(preset.source).not.toBe('');
    }
  });

  it.each(Object.values(LINK_PRESETS))(
    '$id gives the rate its description states, within ±10%',
    (preset) => {
      const { secretKeyRateBps, qber } = secretKeyRate(preset.parameters);
      expect(secretKeyRateBps / preset.statedSecretKeyRateBps).toBeGreaterThan(0.9);
      expect(secretKeyRateBps / preset.statedSecretKeyRateBps).toBeLessThan(1.1);
      expect(qber).toBeLessThan(ABORT_QBER_THRESHOLD);
    },
  );

  it('reproduces the 115.8 Mbit/s record over 10 km within ±10%', () => {
    const record = LINK_PRESETS['record-10km'];
    expect(record.statedSecretKeyRateBps).toBe(115.8e6);
    expect(record.parameters.fibreLengthKm).toBe(10);
    const { secretKeyRateBps } = secretKeyRate(record.parameters);
    expect(Math.abs(secretKeyRateBps - 115.8e6)).toBeLessThan(11.58e6);
  });

  it('puts each preset at the distance its name says', () => {
    expect(LINK_PRESETS.lab.parameters.fibreLengthKm).toBe(1);
    expect(LINK_PRESETS.metro.parameters.fibreLengthKm).toBe(25);
    expect(LINK_PRESETS['long-haul'].parameters.fibreLengthKm).toBe(100);
  });
});
