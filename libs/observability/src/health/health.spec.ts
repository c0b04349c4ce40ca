import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { FakeTelemetry, FakeTelemetryModule, startObservedKme } from '../in-process/observed-kme';
import { HealthModule } from './health.module';

const UP = { status: 'up' };

describe('HealthModule', () => {
  const telemetry = new FakeTelemetry();
  let app: NestExpressApplication;

  beforeAll(async () => {
    // With a catch-all global filter, as the KMEs have the ETSI one.
    app = await startObservedKme({
      imports: [HealthModule.forRoot({ imports: [FakeTelemetryModule.with(telemetry)] })],
    });
  });

  afterAll(() => app.close());

  beforeEach(() => {
    Object.assign(telemetry, { broker: true, link: true, store: true, failure: undefined });
  });

  const get = (path: string) => request(app.getHttpServer()).get(path);

  describe('GET /health/live', () => {
    it('answers 200 with an empty Terminus report', async () => {
      const response = await get('/health/live').expect(200);
      expect(response.body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it('answers 200 even when broker, link and store are all down', async () => {
      Object.assign(telemetry, { broker: false, link: false, store: false });
      await get('/health/live').expect(200);
    });
  });

  describe('GET /health/ready', () => {
    it('answers 200 with broker, link and store up', async () => {
      const response = await get('/health/ready').expect(200);
      expect(response.body).toEqual({
        status: 'ok',
        info: { broker: UP, link: UP, store: UP },
        error: {},
        details: { broker: UP, link: UP, store: UP },
      });
    });

    it.each([
      ['broker', 'not connected to the message broker'],
      ['link', 'the link to the peer KME is down or not synchronised'],
      ['store', 'the key store does not accept writes'],
    ] as const)(
      'answers 503 naming %s when it is down, in Terminus’ format despite the global filter',
      async (component, message) => {
        telemetry[component] = false;
        const response = await get('/health/ready').expect(503);
        const down = { status: 'down', message };
        const up = Object.fromEntries(
          (['broker', 'link', 'store'] as const).filter((c) => c !== component).map((c) => [c, UP]),
        );
        expect(response.body).toEqual({
          status: 'error',
          info: up,
          error: { [component]: down },
          details: { broker: UP, link: UP, store: UP, [component]: down },
        });
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(response.headers['cache-control']).toBe('no-store');
      },
    );

    it('names every component that is down', async () => {
      Object.assign(telemetry, { broker: false, store: false });
      const response = await get('/health/ready').expect(503);
      expect(Object.keys((response.body as { error: object }).error).sort()).toEqual([
        'broker',
        'store',
      ]);
    });

    it('counts a telemetry read that throws as down, and never shows its message', async () => {
      telemetry.failure = new Error('amqp://guest:s3cret@broker:5672 refused');
      const response = await get('/health/ready').expect(503);
      expect(Object.keys((response.body as { error: object }).error).sort()).toEqual([
        'broker',
        'link',
        'store',
      ]);
      expect(response.text).not.toContain('s3cret');
    });

    it('recovers as soon as the component is back', async () => {
      telemetry.link = false;
      await get('/health/ready').expect(503);
      telemetry.link = true;
      await get('/health/ready').expect(200);
    });
  });

  it('leaves every other error to the global filter', async () => {
    const response = await get('/health/nothing').expect(404);
    expect(response.body).toEqual({ message: expect.any(String) as unknown });
  });
});
