import type {
  DashboardData,
  DashboardEvent,
  DashboardKme,
  DashboardLink,
} from '../dashboard.types';
import { flatten, renderWatchFrame } from './watch-view';

describe('flatten', () => {
  it('names nested members with dots and array items with [i], joins plain arrays', () => {
    expect(
      flatten(
        {
          pool: { bits: 1024, full: false },
          peers: ['kme-2', 'kme-3'],
          faults: [{ kind: 'x' }],
          e: {},
        },
        '',
      ),
    ).toEqual([
      ['pool.bits', '1024'],
      ['pool.full', 'false'],
      ['peers', 'kme-2, kme-3'],
      ['faults[0].kind', 'x'],
      ['e', '{}'],
    ]);
  });
});

describe('renderWatchFrame', () => {
  it('shows each KME with aligned values, or why it has no data', () => {
    const lines = renderWatchFrame(
      [
        { url: 'https://localhost:8000', data: { qber: 0.01, link: { generating: true } } },
        { url: 'https://localhost:9000', error: 'connect ECONNREFUSED' },
      ],
      new Date('2026-12-01T10:11:12Z'),
    );

    expect(lines).toEqual([
      'kme watch  10:11:12 UTC  (Ctrl-C to quit)',
      '',
      'https://localhost:8000',
      '  qber             0.01',
      '  link.generating  true',
      '',
      'https://localhost:9000',
      '  unavailable: connect ECONNREFUSED',
    ]);
  });
});

describe('renderWatchFrame with dashboard data', () => {
  const kme = (kmeId: string, role: 'master' | 'slave', bits: number): DashboardKme => ({
    kme_id: kmeId,
    role,
    pool: { available_bits: bits, capacity_bits: 128_000 },
    broker_connected: true,
    peer_link_up: role === 'master',
    deliveries: { keys_per_s: 12, keys_total: 3_456, requests_total: 100 },
    errors: { per_s: 0.5, by_status: { '400': 3, '503': 1 } },
    history: { t: [], available_bits: [], keys_per_s: [], errors_per_s: [] },
  });
  const link: DashboardLink = {
    quantum_channel: 'up',
    eavesdropper: true,
    qber: 0.27,
    secret_key_rate_bps: 0,
    distance_km: 25,
    preset: 'metro',
    generating: false,
    reason: 'QBER 27.0% above the abort threshold 11.0%',
    kme_id: 'kme-1',
    status: 'aborted',
    abort_qber: 0.11,
    history: { t: [], qber: [], secret_key_rate_bps: [] },
  };
  const event = (at: string, kmeId: string, text: string): DashboardEvent => ({
    at,
    kme_id: kmeId,
    kind: 'link',
    text,
  });
  const data = (
    own: DashboardKme,
    peer: DashboardKme,
    events: DashboardEvent[],
  ): DashboardData => ({
    version: 1,
    at: '2026-12-01T10:11:12.000Z',
    operator: true,
    kme: own,
    peer: { kme_id: peer.kme_id, state: 'ok', read_at: null, error: null, kme: peer },
    link,
    events,
  });

  it('shows each KME, the link once, and the latest events once each', () => {
    const master = kme('kme-1', 'master', 64_000);
    const slave = kme('kme-2', 'slave', 128_000);
    const seen = event('2026-12-01T10:11:05.000Z', 'kme-1', 'eavesdropper on the quantum channel');
    const lines = renderWatchFrame(
      [
        { url: 'https://localhost:8000', data: data(master, slave, [seen]) },
        { url: 'https://localhost:9000', data: data(slave, master, [seen]) },
      ],
      new Date('2026-12-01T10:11:12Z'),
    );
    expect(lines).toEqual([
      'kme watch  10:11:12 UTC  (Ctrl-C to quit)',
      '',
      'https://localhost:8000  kme-1 (master KME)',
      '  pool     [##########----------] 64,000 of 128,000 bits (50%)',
      '  state    KME-to-KME link up, broker connected',
      '  traffic  12 keys/s, 3,456 keys in all; errors 0.5/s (400: 3, 503: 1)',
      '',
      'https://localhost:9000  kme-2 (slave KME)',
      '  pool     [####################] 128,000 of 128,000 bits (100%)',
      '  state    KME-to-KME link DOWN, broker connected',
      '  traffic  12 keys/s, 3,456 keys in all; errors 0.5/s (400: 3, 503: 1)',
      '',
      'link     ABORTED, QBER 27.0%, 0 bit/s, quantum channel up, EAVESDROPPER, 25 km, preset metro  (run by kme-1)',
      '         QBER 27.0% above the abort threshold 11.0%',
      '',
      'events',
      '  10:11:05  kme-1  link: eavesdropper on the quantum channel',
    ]);
  });
});
