import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import request from 'supertest';
import { LogCapture, eventually, startObservedKme } from '../in-process/observed-kme';
import { KmeLoggerModule } from './kme-logger.module';

// A file of its own: nestjs-pino keeps its root logger in a static, one app per test file.
describe('the audit trail at LOG_LEVEL=warn', () => {
  const capture = new LogCapture();
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await startObservedKme({
      imports: [KmeLoggerModule.forRoot({ format: 'json', level: 'warn', destination: capture })],
      pinoLogger: true,
    });
  });

  afterAll(() => app.close());

  it('writes no audit line: deliveries are logged at info', async () => {
    await request(app.getHttpServer())
      .get('/api/v1/keys/sae-2/enc_keys?number=1')
      .set('X-Request-Id', 'warn-1')
      .expect(200);
    app.get(Logger).warn('at warn', 'Probe');
    await eventually(() => capture.entries.find((e) => e.msg === 'at warn'));
    expect(capture.entries.map((e) => e.msg)).toEqual(['at warn']);
  });
});
