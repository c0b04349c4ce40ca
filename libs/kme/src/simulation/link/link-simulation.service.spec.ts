import { Logger } from '@nestjs/common';
import { InvalidRequestError } from '@app/etsi-api';
import { LINK_PRESETS, secretKeyRate } from '@app/link-model';
import { settingsOf } from '../testing/settings';
import type { LinkView } from './link-setup';
import { LinkSimulation } from './link-simulation.service';

describe('LinkSimulation', () => {
  let logs: string[];

  beforeEach(() => {
    logs = [];
    jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => {
      logs.push(String(message));
    });
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      logs.push(`WARN ${String(message)}`);
    });
  });

  afterEach(() => jest.restoreAllMocks());

  it('starts from the settings and says so', () => {
    const link = new LinkSimulation(settingsOf({ LINK_PRESET: 'long-haul' }));
    link.onModuleInit();
    const rate = secretKeyRate(LINK_PRESETS['long-haul'].parameters).secretKeyRateBps;
    expect(link.rateBps()).toBe(rate);
    expect(link.linkState()).toMatchObject({
      preset: 'long-haul',
      distance_km: 100,
      generating: true,
    });
    expect(logs).toEqual([
      expect.stringMatching(/^link: long-haul, 100 km: QBER 1\.0%, 63\d kbit\/s$/),
    ]);
  });

  it('warns about LINK_* variables an explicit KEY_RATE_BPS overrides', () => {
    new LinkSimulation(settingsOf({ KEY_RATE_BPS: '1000', LINK_PRESET: 'lab' })).onModuleInit();
    expect(logs[0]).toBe(
      'WARN KEY_RATE_BPS is set, so the link has that rate and no physics: LINK_PRESET ignored',
    );
  });

  it('applies a change, tells its listeners, and logs what, who and what follows', () => {
    const link = new LinkSimulation(settingsOf({ KEY_RATE_BPS: '64000' }));
    const seen: LinkView[] = [];
    const stop = link.onChange((view) => seen.push(view));
    const view = link.change({ eavesdropper: true }, 'operator CN=operator');
    expect(view).toMatchObject({ eavesdropper: true, generating: false, secret_key_rate_bps: 0 });
    expect(link.rateBps()).toBe(0);
    expect(seen).toEqual([view]);
    expect(logs).toEqual([
      expect.stringMatching(
        /^link changed: operator CN=operator set eavesdropper=true; was fixed rate: QBER 2\.0%, 64\.0 kbit\/s; now fixed rate \(eavesdropper on\): QBER 26\.0%, not generating: QBER 26\.0% above the abort threshold 11\.0%$/,
      ),
    ]);
    stop();
    link.change({ eavesdropper: false }, 'x');
    expect(seen).toHaveLength(1);
    expect(link.rateBps()).toBe(64000);
  });

  it('refuses a change that does not fit, changing nothing and telling no one', () => {
    const link = new LinkSimulation(settingsOf({ KEY_RATE_BPS: '64000' }));
    const listener = jest.fn();
    link.onChange(listener);
    expect(() => link.change({ distance_km: 5, eavesdropper: true }, 'x')).toThrow(
      InvalidRequestError,
    );
    expect(link.linkState().eavesdropper).toBe(false);
    expect(listener).not.toHaveBeenCalled();
  });

  it('reverts a timed change', () => {
    const link = new LinkSimulation(settingsOf({ LINK_PRESET: 'metro' }));
    const before = link.setup;
    link.change({ quantum_channel: 'down', distance_km: 60 }, 'scenario s step 1');
    expect(link.linkState()).toMatchObject({ quantum_channel: 'down', distance_km: 60 });
    link.revert(before, { quantum_channel: 'down', distance_km: 60 }, 'scenario s step 1');
    expect(link.linkState()).toMatchObject({
      quantum_channel: 'up',
      distance_km: 25,
      generating: true,
    });
    expect(logs.at(-1)).toMatch(
      /^link changed: scenario s step 1 ended quantum_channel=down, distance_km=60;/,
    );
  });
});
