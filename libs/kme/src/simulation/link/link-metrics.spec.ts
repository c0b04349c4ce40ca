import { Logger } from '@nestjs/common';
import { KmeMetrics, KmeTelemetry } from '@app/observability';
import { settingsOf } from '../testing/settings';
import { LinkMetrics } from './link-metrics';
import { LinkSimulation } from './link-simulation.service';

class StillTelemetry extends KmeTelemetry {
  readonly role = 'master';
  readonly kmeId = 'kme-1';
  availableBits(): number {
    return 0;
  }
  brokerConnected(): boolean {
    return true;
  }
  linkUp(): boolean {
    return true;
  }
  storeWritable(): boolean {
    return true;
  }
}

describe('LinkMetrics', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  const sample = async (metrics: KmeMetrics, name: string): Promise<number | undefined> => {
    const metric = await metrics.registry.getSingleMetric(name)?.get();
    return metric?.values[0]?.value;
  };

  it('exposes the model’s QBER, rate and generating, as they are when scraped', async () => {
    const link = new LinkSimulation(settingsOf({ LINK_PRESET: 'long-haul' }));
    const metrics = new KmeMetrics(new StillTelemetry());
    new LinkMetrics(link, metrics).onModuleInit();
    expect(await sample(metrics, 'kme_link_qber')).toBeCloseTo(link.linkState().qber, 12);
    expect(await sample(metrics, 'kme_link_secret_key_rate_bps')).toBe(link.rateBps());
    expect(await sample(metrics, 'kme_link_generating')).toBe(1);
    link.change({ eavesdropper: true }, 'test');
    expect(await sample(metrics, 'kme_link_qber')).toBeGreaterThan(0.11);
    expect(await sample(metrics, 'kme_link_secret_key_rate_bps')).toBe(0);
    expect(await sample(metrics, 'kme_link_generating')).toBe(0);
    expect(await metrics.registry.metrics()).toMatch(/^kme_link_generating\{kme_id="kme-1"\} 0$/m);
  });

  it('shows a link without a rate limit as +Inf', async () => {
    const link = new LinkSimulation(settingsOf({ KEY_RATE_BPS: '0' }));
    const metrics = new KmeMetrics(new StillTelemetry());
    new LinkMetrics(link, metrics).onModuleInit();
    expect(await metrics.registry.metrics()).toMatch(
      /^kme_link_secret_key_rate_bps\{kme_id="kme-1"\} \+Inf$/m,
    );
  });

  it('does nothing with metrics off', () => {
    const link = new LinkSimulation(settingsOf());
    expect(() => new LinkMetrics(link, null).onModuleInit()).not.toThrow();
  });
});
