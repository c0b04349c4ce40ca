import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { LogCapture, eventually, handedOut, startObservedKme } from '../in-process/observed-kme';
import { KmeLoggerModule } from './kme-logger.module';

describe('KmeLoggerModule.forRoot({ format: "pretty" })', () => {
  const capture = new LogCapture();
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await startObservedKme({
      imports: [KmeLoggerModule.forRoot({ format: 'pretty', level: 'info', destination: capture })],
      pinoLogger: true,
    });
  });

  afterAll(() => app.close());

  it('writes readable lines with level, context and message, without colour off a terminal', async () => {
    new Logger('Boot').log('listening on :8000');
    const line = await eventually(() =>
      capture.text.split('\n').find((l) => l.includes('listening on :8000')),
    );
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO.*: \[Boot\] listening on :8000$/);
    expect(() => JSON.parse(line) as unknown).toThrow();
    expect(capture.text).not.toContain('\u001b[');
  });

  it('keeps key bytes out of the audit lines too', async () => {
    await request(app.getHttpServer()).get('/api/v1/keys/sae-2/enc_keys?number=2').expect(200);
    await eventually(() => (capture.text.includes('keys delivered') ? true : undefined));
    await eventually(() => (capture.text.includes(handedOut.keyIds[1]) ? true : undefined));
    for (const key of handedOut.keys) {
      expect(capture.text).not.toContain(key.toString('base64'));
      expect(capture.text).not.toContain(key.toString('hex'));
    }
  });
});
