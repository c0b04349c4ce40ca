import { InvalidRequestError } from '@app/etsi-api';
import { faultSpecOf } from './fault-spec';

function detailsOf(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    if (error instanceof InvalidRequestError) return error.details;
    throw error;
  }
  throw new Error('expected an InvalidRequestError');
}

describe('faultSpecOf', () => {
  it('reads each kind with its own members', () => {
    expect(faultSpecOf({ kind: 'refuse_requests', count: 3 })).toEqual({
      kind: 'refuse_requests',
      count: 3,
    });
    expect(faultSpecOf({ kind: 'refuse_requests', count: 3, kme_id: 'kme-2' })).toEqual({
      kind: 'refuse_requests',
      count: 3,
      kme_id: 'kme-2',
    });
    expect(faultSpecOf({ kind: 'relay_delay', ms: 500, duration_s: 30 })).toEqual({
      kind: 'relay_delay',
      ms: 500,
      duration_s: 30,
    });
  });

  it('refuses a member of the other kind, naming it', () => {
    expect(
      detailsOf(() => faultSpecOf({ kind: 'refuse_requests', count: 1, duration_s: 3 })),
    ).toEqual([{ duration_s: 'is not a member of a refuse_requests fault' }]);
    expect(
      detailsOf(() => faultSpecOf({ kind: 'relay_delay', ms: 1, duration_s: 1, kme_id: 'kme-1' })),
    ).toEqual([{ kme_id: 'is not a member of a relay_delay fault' }]);
  });

  it('refuses a missing member, naming it', () => {
    expect(detailsOf(() => faultSpecOf({ kind: 'refuse_requests' }))).toEqual([
      { count: 'is required for a refuse_requests fault' },
    ]);
    expect(detailsOf(() => faultSpecOf({ kind: 'relay_delay', ms: 5 }))).toEqual([
      { duration_s: 'is required for a relay_delay fault' },
    ]);
  });
});
