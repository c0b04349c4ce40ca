import {
  EtsiBadRequestError,
  EtsiNetworkError,
  EtsiProtocolError,
  EtsiTimeoutError,
  EtsiUnavailableError,
} from '@app/etsi-client';
import { errorKind, UnexpectedAnswerError } from './client';

describe('errorKind', () => {
  const url = 'https://kme.invalid/api/v1/keys/sae-2/enc_keys';
  const answer = (status: number) => ({ status, message: 'm', body: '{"message":"m"}', url });

  it('names client errors by status, cause code or kind', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(
      [
        new EtsiUnavailableError(answer(503)),
        new EtsiBadRequestError(answer(400)),
        new EtsiNetworkError('request failed', url, { cause: refused }),
        new EtsiNetworkError('request failed', url),
        new EtsiTimeoutError(url, 30_000),
        new EtsiProtocolError('not JSON', url, 200, '<html>'),
        new UnexpectedAnswerError('expected a Key container of 1 keys'),
        new TypeError('x'),
        'a string',
      ].map(errorKind),
    ).toEqual([
      'HTTP 503',
      'HTTP 400',
      'ECONNREFUSED',
      'network',
      'timeout',
      'unexpected answer',
      'unexpected answer',
      'TypeError',
      'unknown',
    ]);
  });
});
