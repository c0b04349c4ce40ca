import { Logger } from '@nestjs/common';
import { LinkSimulation } from '../../simulation/link/link-simulation.service';
import { settingsOf } from '../../simulation/testing/settings';
import { MaterialGenerator } from './material-generator';
import { SimulatedKeySource } from './simulated-key-source';

/** Material that says how it was asked for: byte i of the stream is i mod 256. */
class CountingMaterial extends MaterialGenerator {
  generated = 0;
  kept: number[] = [];
  generate(bytes: number): Promise<Buffer> {
    const out = Buffer.from(Array.from({ length: bytes }, (_, i) => (this.generated + i) & 0xff));
    this.generated += bytes;
    return Promise.resolve(out);
  }
  override taken(bytes: number): void {
    this.kept.push(bytes);
  }
}

describe('SimulatedKeySource', () => {
  let now: number;

  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  function sourceOn(env: Record<string, string>) {
    const settings = settingsOf(env);
    const link = new LinkSimulation(settings);
    const material = new CountingMaterial();
    return { link, material, source: new SimulatedKeySource(settings, link, material) };
  }

  it('gives material at the link model’s rate, in pieces of a tenth of a second or more', async () => {
    const { link, source } = sourceOn({ LINK_PRESET: 'long-haul' });
    const bytesPerSecond = link.rateBps() / 8;
    now += 50;
    expect((await source.take(1 << 20)).length).toBe(0);
    now += 50;
    expect((await source.take(1 << 20)).length).toBe(Math.floor(bytesPerSecond * 0.1));
    let total = 0;
    for (let i = 0; i < 100; i++) {
      now += 100;
      total += (await source.take(1 << 20)).length;
    }
    expect(total / 10).toBeCloseTo(bytesPerSecond, -1);
  });

  it('gives what the pool has room for, once that much is earned', async () => {
    const { source } = sourceOn({ KEY_RATE_BPS: '80000' });
    now += 100;
    expect((await source.take(40)).length).toBe(40);
    now += 100;
    expect((await source.take(5000)).length).toBe(1000 - 40 + 1000);
  });

  it('gives nothing while the link does not generate, and resumes at its rate without a burst', async () => {
    const { link, source } = sourceOn({ KEY_RATE_BPS: '80000' });
    now += 500;
    link.change({ eavesdropper: true }, 'test');
    now += 5_000;
    expect((await source.take(1 << 20)).length).toBe(0);
    expect(source.describe()).toMatch(/^not generating: QBER 26\.0% above the abort threshold/);
    link.change({ eavesdropper: false, quantum_channel: 'down' }, 'test');
    now += 5_000;
    expect((await source.take(1 << 20)).length).toBe(0);
    link.change({ quantum_channel: 'up' }, 'test');
    now += 100;
    expect((await source.take(1 << 20)).length).toBe(1000);
    expect(source.describe()).toBe('80.0 kbit/s');
  });

  it('follows a change of rate from the moment it is made', async () => {
    const { link, source } = sourceOn({ KEY_RATE_BPS: '8000' });
    now += 500;
    link.change({ key_rate_bps: 80_000 }, 'test');
    now += 500;
    expect((await source.take(1 << 20)).length).toBe(500 + 5000);
  });

  it('without a limit, gives all it is asked for', async () => {
    const { source } = sourceOn({ KEY_RATE_BPS: '0' });
    expect((await source.take(65536)).length).toBe(65536);
    expect(source.describe()).toBe('full speed');
  });

  it('earns nothing while paused', async () => {
    const { source } = sourceOn({ KEY_RATE_BPS: '80000' });
    now += 1_000;
    source.paused();
    now += 100;
    expect((await source.take(1 << 20)).length).toBe(1000);
  });

  it('tells its material generator which bytes were kept', async () => {
    const { source, material } = sourceOn({ KEY_RATE_BPS: '0' });
    await source.take(10);
    source.taken(10);
    expect(material.kept).toEqual([10]);
  });

  it('without a LinkSimulation, runs at KEY_RATE_BPS', async () => {
    const source = new SimulatedKeySource(settingsOf({ KEY_RATE_BPS: '8000' }));
    now += 1000;
    expect((await source.take(1 << 20)).length).toBe(1000);
  });
});
