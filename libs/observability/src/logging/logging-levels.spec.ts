import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { LogCapture, eventually, startObservedKme } from '../in-process/observed-kme';
import { KmeLoggerModule } from './kme-logger.module';
import { PINO_LEVELS } from './root-logger';

describe('log levels', () => {
  it('map the KME’s names to pino’s: verbose is trace', () => {
    expect(PINO_LEVELS).toEqual({
      error: 'error',
      warn: 'warn',
      info: 'info',
      debug: 'debug',
      verbose: 'trace',
    });
  });

  describe('at info level (the default)', () => {
    const capture = new LogCapture();
    let app: NestExpressApplication;

    beforeAll(async () => {
      app = await startObservedKme({
        imports: [KmeLoggerModule.forRoot({ format: 'json', level: 'info', destination: capture })],
        pinoLogger: true,
      });
    });

    afterAll(() => app.close());

    it('writes audit lines but no request lines and no debug lines of Nest’s', async () => {
      await request(app.getHttpServer())
        .get('/api/v1/keys/sae-2/enc_keys?number=1')
        .set('X-Request-Id', 'info-1')
        .expect(200);
      await request(app.getHttpServer())
        .get('/api/v1/keys/sae-2/status')
        .set('X-Request-Id', 'info-2')
        .expect(200);
      new Logger('Probe').debug('not at info');
      new Logger('Probe').warn('at info');
      await eventually(() => capture.entries.find((e) => e.msg === 'at info'));
      const requestLines = capture.entries.filter((e) => e.reqId !== undefined);
      // The audit line names its request, though no request has a logger of its own at info.
      expect(requestLines.map((e) => [e.msg, e.reqId])).toEqual([['keys delivered', 'info-1']]);
      expect(capture.text).not.toContain('not at info');
    });
  });
});
