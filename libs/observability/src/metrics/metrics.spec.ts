import type { NestExpressApplication } from '@nestjs/platform-express';
import { register as globalRegistry } from 'prom-client';
import request from 'supertest';
import { DeliveryEvents } from '../delivery/delivery-events.service';
import type { DeliveryEvent } from '../delivery/delivery-observer.port';
import { FakeTelemetry, FakeTelemetryModule, startObservedKme } from '../in-process/observed-kme';
import { parsePrometheusText, valueOf, type Sample } from '../in-process/prometheus-text';
import { MetricsModule } from './metrics.module';
import { RelayMeter } from './relay-meter.service';

const DURATION_COUNT = 'kme_http_request_duration_seconds_count';

const delivery = (
  route: DeliveryEvent['route'],
  callerSaeId: string,
  count: number,
): DeliveryEvent => ({
  route,
  callerSaeId,
  peerSaeIds: ['sae-9'],
  keyIds: Array.from({ length: count }, (_, i) => `key-${i}`),
  keySizeBits: 256,
});

async function startWithMetrics(telemetry: FakeTelemetry): Promise<NestExpressApplication> {
  return startObservedKme({
    imports: [
      MetricsModule.forRoot({ enabled: true, imports: [FakeTelemetryModule.with(telemetry)] }),
    ],
  });
}

async function scrape(app: NestExpressApplication): Promise<Sample[]> {
  const response = await request(app.getHttpServer()).get('/metrics').expect(200);
  expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(response.text);
}

describe('MetricsModule.forRoot({ enabled: true })', () => {
  const telemetry = new FakeTelemetry('kme-1', 'master');
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await startWithMetrics(telemetry);
  });

  afterAll(() => app.close());

  it('serves Prometheus text with the default process metrics, every sample labelled kme_id', async () => {
    const samples = await scrape(app);
    expect(samples.map((sample) => sample.name)).toEqual(
      expect.arrayContaining([
        'process_cpu_user_seconds_total',
        'nodejs_eventloop_lag_seconds',
        'kme_key_pool_available_bits',
        'kme_link_up',
        'kme_broker_connected',
        'kme_relay_bytes_total',
      ]),
    );
    for (const sample of samples) expect(sample.labels.kme_id).toBe('kme-1');
  });

  it('reads the gauges from KmeTelemetry at scrape time', async () => {
    Object.assign(telemetry, { bits: 1234, link: true, broker: false });
    let samples = await scrape(app);
    expect(valueOf(samples, 'kme_key_pool_available_bits')).toBe(1234);
    expect(valueOf(samples, 'kme_link_up')).toBe(1);
    expect(valueOf(samples, 'kme_broker_connected')).toBe(0);

    Object.assign(telemetry, { bits: 0, link: false, broker: true });
    samples = await scrape(app);
    expect(valueOf(samples, 'kme_key_pool_available_bits')).toBe(0);
    expect(valueOf(samples, 'kme_link_up')).toBe(0);
    expect(valueOf(samples, 'kme_broker_connected')).toBe(1);
  });

  it('scrapes NaN, not a failure, when KmeTelemetry throws', async () => {
    telemetry.failure = new Error('boom');
    try {
      const samples = await scrape(app);
      expect(valueOf(samples, 'kme_link_up')).toBeNaN();
    } finally {
      telemetry.failure = undefined;
    }
  });

  it('counts exactly the keys delivered through DeliveryEvents, by route and receiving SAE', async () => {
    const events = app.get(DeliveryEvents);
    const before = await scrape(app);
    events.publish(delivery('enc_keys', 'sae-1', 3));
    events.publish(delivery('enc_keys', 'sae-1', 2));
    events.publish(delivery('dec_keys', 'sae-2', 4));
    events.publish(delivery('dec_keys', 'sae-2', 0));
    await request(app.getHttpServer()).get('/api/v1/keys/sae-2/enc_keys?number=6').expect(200);
    const after = await scrape(app);
    const delta = (labels: Record<string, string>) =>
      valueOf(after, 'kme_keys_delivered_total', labels) -
      valueOf(before, 'kme_keys_delivered_total', labels);
    expect(delta({ route: 'enc_keys', sae: 'sae-1' })).toBe(3 + 2 + 6);
    expect(delta({ route: 'dec_keys', sae: 'sae-2' })).toBe(4);
    expect(delta({ route: 'dec_keys', sae: 'sae-1' })).toBe(0);
  });

  it('labels request durations with the route pattern, never the path', async () => {
    const server = app.getHttpServer();
    const before = await scrape(app);
    await request(server).get('/api/v1/keys/sae-2/status').expect(200);
    await request(server).get('/api/v1/keys/xyz/status').expect(200);
    await request(server).get('/api/v1/keys/key-3f2a/nothing').expect(404);
    // Refused by the platform before any route: seen all the same.
    await request(server).head('/api/v1/keys/sae-2/status').expect(405);
    const after = await scrape(app);
    const delta = (labels: Record<string, string>) =>
      valueOf(after, DURATION_COUNT, labels) - valueOf(before, DURATION_COUNT, labels);

    expect(
      delta({ method: 'GET', route: '/api/v1/keys/:slave_SAE_ID/status', status: '200' }),
    ).toBe(2);
    expect(delta({ method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(delta({ method: 'HEAD', route: 'unmatched', status: '405' })).toBe(1);
    const routes = new Set(
      after.filter((s) => s.name === DURATION_COUNT).map((s) => s.labels.route),
    );
    expect([...routes].sort()).toEqual(
      [
        '/api/v1/keys/:slave_SAE_ID/enc_keys',
        '/api/v1/keys/:slave_SAE_ID/status',
        '/metrics',
        'unmatched',
      ].sort(),
    );
    const histogramLabels = after
      .filter((s) => s.name.startsWith('kme_http_request_duration_seconds'))
      .flatMap((s) => Object.values(s.labels));
    for (const fromUrl of ['sae-2', 'xyz', 'key-3f2a', 'nothing']) {
      expect(histogramLabels).not.toContain(fromUrl);
    }
  });

  it('counts relayed bytes as sent at the master KME, ignoring counts that make no sense', async () => {
    const meter = app.get(RelayMeter);
    const before = valueOf(await scrape(app), 'kme_relay_bytes_total', { direction: 'sent' });
    meter.add(4096);
    meter.add(100);
    meter.add(-5);
    meter.add(Number.NaN);
    meter.add(Number.POSITIVE_INFINITY);
    const after = valueOf(await scrape(app), 'kme_relay_bytes_total', { direction: 'sent' });
    expect(after - before).toBe(4196);
  });

  it('keeps every metric out of prom-client’s global registry', async () => {
    const names = (await globalRegistry.getMetricsAsJSON()).map((metric) => metric.name);
    expect(names.filter((name) => name.startsWith('kme_'))).toEqual([]);
  });
});

describe('two KMEs in one process', () => {
  it('each has its own registry, labelled with its own kme_id', async () => {
    const master = await startWithMetrics(new FakeTelemetry('kme-1', 'master'));
    const slave = await startWithMetrics(new FakeTelemetry('kme-2', 'slave'));
    try {
      slave.get(RelayMeter).add(512);
      const [masterSamples, slaveSamples] = [await scrape(master), await scrape(slave)];
      expect(new Set(masterSamples.map((s) => s.labels.kme_id))).toEqual(new Set(['kme-1']));
      expect(new Set(slaveSamples.map((s) => s.labels.kme_id))).toEqual(new Set(['kme-2']));
      expect(valueOf(slaveSamples, 'kme_relay_bytes_total', { direction: 'received' })).toBe(512);
      expect(valueOf(masterSamples, 'kme_relay_bytes_total', { direction: 'received' })).toBe(0);
    } finally {
      await master.close();
      await slave.close();
    }
  });
});

describe('MetricsModule.forRoot({ enabled: false })', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await startObservedKme({ imports: [MetricsModule.forRoot({ enabled: false })] });
  });

  afterAll(() => app.close());

  it('has no /metrics route', async () => {
    await request(app.getHttpServer()).get('/metrics').expect(404);
  });

  it('still provides a RelayMeter, which records nothing', () => {
    expect(() => app.get(RelayMeter).add(100)).not.toThrow();
  });

  it('needs no KmeTelemetry, and deliveries still publish', async () => {
    await request(app.getHttpServer()).get('/api/v1/keys/sae-2/enc_keys?number=2').expect(200);
  });
});
