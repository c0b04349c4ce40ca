import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@app/config';
import { LINK_PRESETS, NO_FAULTS } from '@app/link-model';
import type { LinkSetup } from '../link/link-setup';
import { readScenario } from './scenario-file';

const metro: LinkSetup = {
  source: { kind: 'physics', preset: 'metro', parameters: LINK_PRESETS.metro.parameters },
  faults: NO_FAULTS,
};
const fixedRate: LinkSetup = { source: { kind: 'fixed-rate', rateBps: 64000 }, faults: NO_FAULTS };

describe('readScenario', () => {
  let dir: string;
  const write = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const problemOf = (file: string, initial: LinkSetup = metro): string => {
    try {
      readScenario(file, initial);
    } catch (error) {
      if (error instanceof ConfigurationError) return error.problems.join('\n');
      throw error;
    }
    throw new Error('expected a ConfigurationError');
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'scenario-spec-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the YAML example of the README', () => {
    const file = write(
      'lab.yaml',
      [
        '# at 30 s an eavesdropper for 20 s, at 90 s the channel down for 10 s',
        'steps:',
        '  - at: 30',
        '    for: 20',
        '    link: { eavesdropper: true }',
        '  - at: 90',
        '    for: 10',
        '    link: { quantum_channel: down }',
        '  - at: 120',
        '    link: { preset: long-haul, distance_km: 80 }',
        '  - at: 130',
        '    fault: { kind: refuse_requests, count: 5, kme_id: kme-2 }',
        '  - at: 140',
        '    fault: { kind: relay_delay, ms: 500, duration_s: 30 }',
        '  - at: 200',
        '    drain: true',
      ].join('\n'),
    );
    expect(readScenario(file, metro)).toEqual({
      file,
      steps: [
        {
          at: 30,
          action: {
            kind: 'link',
            change: { eavesdropper: true },
            forS: 20,
          },
        },
        {
          at: 90,
          action: {
            kind: 'link',
            change: { quantum_channel: 'down' },
            forS: 10,
          },
        },
        {
          at: 120,
          action: {
            kind: 'link',
            change: { preset: 'long-haul', distance_km: 80 },
          },
        },
        {
          at: 130,
          action: { kind: 'fault', fault: { kind: 'refuse_requests', count: 5, kme_id: 'kme-2' } },
        },
        {
          at: 140,
          action: { kind: 'fault', fault: { kind: 'relay_delay', ms: 500, duration_s: 30 } },
        },
        { at: 200, action: { kind: 'drain' } },
      ],
    });
  });

  it('reads JSON, and a bare list of steps', () => {
    const file = write('list.json', JSON.stringify([{ at: 0.5, link: { key_rate_bps: 1000 } }]));
    expect(readScenario(file, metro).steps).toEqual([
      {
        at: 0.5,
        action: { kind: 'link', change: { key_rate_bps: 1000 } },
      },
    ]);
  });

  it.each([
    ['not parsable', 'steps: [', /^SCENARIO_FILE .*: not readable as JSON or YAML/],
    ['not an object', '42', /must hold \{ "steps": \[\.\.\.\] \} or a list of steps$/],
    [
      'a bad value',
      '[{ at: 1, link: { eavesdropper: yes } }]',
      /steps\[0\]\.link\.eavesdropper: eavesdropper must be true or false$/,
    ],
    [
      'a negative time',
      '[{ at: -1, drain: true }]',
      /steps\[0\]\.at: at must be 0 or more seconds from the start$/,
    ],
    [
      'an unknown member',
      '[{ at: 1, drain: true, after: 3 }]',
      /steps\[0\]\.after: not a member of a step$/,
    ],
    [
      'two actions',
      '[{ at: 1, drain: true, link: { eavesdropper: true } }]',
      /steps\[0\]: a step does one of link, fault or drain \(this one: link, drain\)$/,
    ],
    [
      'no action',
      '[{ at: 1 }]',
      /steps\[0\]: a step does one of link, fault or drain \(this one: none\)$/,
    ],
    [
      'for without a link',
      '[{ at: 1, for: 2, drain: true }]',
      /steps\[0\]: for applies to a link change only/,
    ],
    [
      'a fault of two kinds',
      '[{ at: 1, fault: { kind: relay_delay, ms: 5, duration_s: 1, count: 2 } }]',
      /steps\[0\]: count is not a member of a relay_delay fault$/,
    ],
  ])('refuses %s, naming the file and the step', (_, text, problem) => {
    const file = write('bad.yaml', text);
    const message = problemOf(file);
    expect(message.startsWith(`SCENARIO_FILE ${file}: `)).toBe(true);
    expect(message).toMatch(problem);
  });

  it('refuses a change that cannot apply when its time comes', () => {
    const file = write(
      'fixed.yaml',
      '[{ at: 5, link: { distance_km: 50 } }, { at: 1, link: { preset: lab } }]',
    );
    expect(() => readScenario(file, metro)).not.toThrow();
    const late = write(
      'late.yaml',
      '[{ at: 1, link: { distance_km: 50 } }, { at: 5, link: { preset: lab } }]',
    );
    expect(problemOf(late, fixedRate)).toMatch(
      /steps\[0\] cannot apply at 1 s: distance_km applies to a link modelled from physics/,
    );
  });
});
