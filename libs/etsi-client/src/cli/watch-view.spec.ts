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
