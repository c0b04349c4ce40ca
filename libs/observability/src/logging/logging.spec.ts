import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DeliveryEvents } from '../delivery/delivery-events.service';
import { HealthModule } from '../health/health.module';
import {
  FakeTelemetry,
  FakeTelemetryModule,
  LogCapture,
  eventually,
  handedOut,
  startObservedKme,
} from '../in-process/observed-kme';
import { KmeLoggerModule } from './kme-logger.module';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type Entry = Record<string, unknown>;

/**
 * nestjs-pino keeps the logger of lines outside any request once per process, so this file runs
 * one application: the JSON format at debug level.
 */
describe('KmeLoggerModule.forRoot({ format: "json", level: "debug" })', () => {
  const capture = new LogCapture();
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await startObservedKme({
      imports: [
        KmeLoggerModule.forRoot({
          format: 'json',
          level: 'debug',
          kmeId: 'kme-1',
          destination: capture,
        }),
        HealthModule.forRoot({ imports: [FakeTelemetryModule.with(new FakeTelemetry())] }),
      ],
      pinoLogger: true,
    });
  });

  afterAll(() => app.close());

  beforeEach(() => capture.clear());

  const get = (path: string) => request(app.getHttpServer()).get(path);

  /** The line pino-http writes when the request of `id` is answered. */
  const requestLine = (id: string): Promise<Entry> =>
    eventually(() =>
      capture.entries.find((entry) => entry.reqId === id && entry.msg === 'request completed'),
    );

  it('writes every line as JSON with an ISO time, a level label and the KME ID', async () => {
    new Logger('Boot').log('hello from Nest');
    const entry = await eventually(() => capture.entries.find((e) => e.msg === 'hello from Nest'));
    expect(entry).toMatchObject({ level: 'info', context: 'Boot', kme_id: 'kme-1' });
    expect(typeof entry.time).toBe('string');
    expect(new Date(entry.time as string).toISOString()).toBe(entry.time);
  });

  describe('request IDs', () => {
    it('keeps a sane X-Request-Id, echoes it, and puts it on every line of the request', async () => {
      const id = 'trace-1.A_b-2';
      const response = await get('/api/v1/keys/sae-2/status').set('X-Request-Id', id).expect(200);
      expect(response.headers['x-request-id']).toBe(id);
      await requestLine(id);
      const nestLine = capture.entries.find((e) => e.msg === 'status for sae-2');
      expect(nestLine).toMatchObject({ reqId: id, context: 'FakeKeys', level: 'debug' });
    });

    it('accepts 128 characters', async () => {
      const id = 'a'.repeat(128);
      const response = await get('/api/v1/keys/sae-2/status').set('X-Request-Id', id).expect(200);
      expect(response.headers['x-request-id']).toBe(id);
    });

    it.each([
      ['absent', undefined],
      ['with a space', 'not sane'],
      ['with a quote', 'a"b'],
      ['longer than 128 characters', 'a'.repeat(129)],
      ['empty', ''],
    ])('generates a UUID when the caller’s is %s', async (_case, offered) => {
      const test = get('/api/v1/keys/sae-2/status');
      if (offered !== undefined) test.set('X-Request-Id', offered);
      const response = await test.expect(200);
      const id = response.headers['x-request-id'];
      expect(id).toMatch(UUID);
      const line = await requestLine(id);
      expect(line.reqId).toBe(id);
      if (offered) expect(capture.text).not.toContain(offered);
    });

    it('gives one to answers the platform refuses before any route', async () => {
      const response = await request(app.getHttpServer())
        .head('/api/v1/keys/sae-2/status')
        .set('X-Request-Id', 'refused-1')
        .expect(405);
      expect(response.headers['x-request-id']).toBe('refused-1');
    });
  });

  describe('request lines', () => {
    it('are at debug level, with the path but no query, and credentials redacted', async () => {
      await get('/api/v1/keys/sae-2/enc_keys?number=1&size=256')
        .set('X-Request-Id', 'req-lines-1')
        .set('Authorization', 'Bearer s3cret-token')
        .set('Cookie', 'session=c00kie-value')
        .expect(200);
      const line = await requestLine('req-lines-1');
      expect(line.level).toBe('debug');
      const req = line.req as { url: string; method: string; headers: Record<string, string> };
      expect(req).toMatchObject({ method: 'GET', url: '/api/v1/keys/sae-2/enc_keys' });
      expect(req.headers.authorization).toBe('[redacted]');
      expect(req.headers.cookie).toBe('[redacted]');
      expect((line.res as { statusCode: number }).statusCode).toBe(200);
      expect(capture.text).not.toContain('s3cret-token');
      expect(capture.text).not.toContain('c00kie-value');
      expect(capture.text).not.toContain('size=256');
    });

    it('cover requests no route matched, with their ID', async () => {
      const response = await get('/nowhere/at/all').set('X-Request-Id', 'lost-1').expect(404);
      expect(response.headers['x-request-id']).toBe('lost-1');
      const line = await requestLine('lost-1');
      expect(line).toMatchObject({ level: 'debug', res: { statusCode: 404 } });
    });

    it('are left out for health probes below verbose level', async () => {
      await get('/health/live').set('X-Request-Id', 'probe-1').expect(200);
      await get('/health/ready').set('X-Request-Id', 'probe-2').expect(200);
      await get('/api/v1/keys/sae-2/status').set('X-Request-Id', 'after-probes').expect(200);
      await requestLine('after-probes');
      expect(capture.entries.filter((e) => e.reqId === 'probe-1' || e.reqId === 'probe-2')).toEqual(
        [],
      );
    });

    it('log nothing above debug level for a request without deliveries', async () => {
      await get('/api/v1/keys/sae-2/status').set('X-Request-Id', 'quiet-1').expect(200);
      await requestLine('quiet-1');
      const levels = capture.entries.filter((e) => e.reqId === 'quiet-1').map((e) => e.level);
      expect(levels.every((level) => level === 'debug')).toBe(true);
    });
  });

  describe('audit lines', () => {
    it('say who received which keys, at info level, in the request’s context', async () => {
      await get('/api/v1/keys/sae-2/enc_keys?number=3').set('X-Request-Id', 'audit-1').expect(200);
      const audit = await eventually(() =>
        capture.entries.find((e) => e.msg === 'keys delivered' && e.reqId === 'audit-1'),
      );
      expect(audit).toEqual({
        level: 'info',
        time: expect.any(String) as unknown,
        pid: process.pid,
        hostname: expect.any(String) as unknown,
        kme_id: 'kme-1',
        reqId: 'audit-1',
        context: 'Audit',
        msg: 'keys delivered',
        route: 'enc_keys',
        sae: 'sae-1',
        peer_saes: ['sae-2'],
        key_ids: handedOut.keyIds,
        key_size_bits: 256,
        count: 3,
      });
      // Once: the request's own logger binds it, and the audit line does not say it again.
      const rawLine = capture.text
        .split('\n')
        .find((line) => line.includes('"audit-1"') && line.includes('keys delivered'));
      expect(rawLine?.match(/"reqId"/g)).toHaveLength(1);
    });

    it('never let a key’s bytes reach the output, in base64, hex or as a byte array', async () => {
      const response = await get('/api/v1/keys/sae-2/enc_keys?number=2')
        .set('X-Request-Id', 'no-bytes-1')
        .expect(200);
      await requestLine('no-bytes-1');
      const { keys } = response.body as { keys: { key_ID: string; key: string }[] };
      expect(keys.map((key) => key.key)).toEqual(
        handedOut.keys.map((key) => key.toString('base64')),
      );
      // The controller logged its answer and a raw key object at debug: the IDs are there…
      for (const keyId of handedOut.keyIds) expect(capture.text).toContain(keyId);
      // …and the bytes nowhere.
      for (const key of handedOut.keys) {
        expect(capture.text).not.toContain(key.toString('base64'));
        expect(capture.text).not.toContain(key.toString('hex'));
        expect(capture.text).not.toContain(key.toString('base64url'));
        expect(capture.text).not.toContain(JSON.stringify([...key]).slice(1, -1));
      }
      const answering = capture.entries.find(
        (e) => e.msg === 'answering' && e.reqId === 'no-bytes-1',
      );
      expect(answering?.first).toEqual({ keyId: handedOut.keyIds[0] });
    });

    it('are still written when another observer throws, and the request succeeds', async () => {
      const unregister = app.get(DeliveryEvents).register({
        delivered: () => {
          throw new Error('billing is down');
        },
      });
      try {
        await get('/api/v1/keys/sae-2/enc_keys?number=1')
          .set('X-Request-Id', 'throws-1')
          .expect(200);
        await eventually(() =>
          capture.entries.find((e) => e.msg === 'keys delivered' && e.reqId === 'throws-1'),
        );
        const failure = await eventually(() =>
          capture.entries.find(
            (e) => typeof e.msg === 'string' && e.msg.includes('billing is down'),
          ),
        );
        expect(failure).toMatchObject({
          level: 'error',
          context: 'DeliveryEvents',
          reqId: 'throws-1',
        });
      } finally {
        unregister();
      }
    });
  });
});
