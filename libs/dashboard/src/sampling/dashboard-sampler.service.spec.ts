import type { LinkState } from '@app/etsi-client';
import { FakeTelemetry } from '@app/observability/in-process/observed-kme';
import { TrafficCounters } from '../counters/traffic-counters';
import { DashboardSampler } from './dashboard-sampler.service';

const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);

const GENERATING: LinkState = {
  quantum_channel: 'up',
  eavesdropper: false,
  qber: 0.02,
  secret_key_rate_bps: 64_000,
  distance_km: 25,
  preset: 'metro',
  generating: true,
  reason: null,
};

/** A sampler driven by hand: its timer starts only with the application, never here. */
function sampler(role: 'master' | 'slave' = 'master', historySize = 5) {
  const telemetry = new FakeTelemetry(role === 'master' ? 'kme-1' : 'kme-2', role);
  const counters = new TrafficCounters();
  let link: LinkState | undefined = GENERATING;
  const subject = new DashboardSampler(
    { capacityBits: 128_000, historySize, linkState: () => link },
    telemetry,
    counters,
  );
  return {
    subject,
    telemetry,
    counters,
    setLink: (next: LinkState | undefined) => {
      link = next;
    },
  };
}

describe('DashboardSampler', () => {
  it('turns the counters into rates per second between samples', () => {
    const { subject, counters } = sampler();
    subject.sample(T0);
    for (let i = 0; i < 4; i += 1) counters.delivered(32);
    counters.answered(503);
    counters.answered(200);
    const sample = subject.sample(T0 + 2_000);
    expect(sample).toMatchObject({ t: T0 + 2_000, keysPerS: 64, errorsPerS: 0.5 });
    expect(subject.sample(T0 + 3_000)).toMatchObject({ keysPerS: 0, errorsPerS: 0 });
  });

  it('keeps the last samples, one per instant of the clock', () => {
    const { subject, telemetry } = sampler('master', 3);
    for (let i = 0; i < 5; i += 1) {
      telemetry.bits = 1_000 * i;
      subject.sample(T0 + 1_000 * i);
    }
    // A timer firing a few ms late or early lands on the same instant, replacing it.
    telemetry.bits = 9_999;
    subject.sample(T0 + 4_003);
    expect(subject.history.map((sample) => [sample.t, sample.availableBits])).toEqual([
      [T0 + 2_000, 2_000],
      [T0 + 3_000, 3_000],
      [T0 + 4_000, 9_999],
    ]);
  });

  it('records the link, the KME-to-KME link and the broker going down and up as events', () => {
    const { subject, telemetry, setLink } = sampler();
    subject.sample(T0);
    telemetry.link = false;
    telemetry.broker = false;
    setLink({
      ...GENERATING,
      eavesdropper: true,
      qber: 0.27,
      secret_key_rate_bps: 0,
      generating: false,
      reason: 'QBER 27.0% above the abort threshold 11.0%',
    });
    subject.sample(T0 + 1_000);
    telemetry.link = true;
    telemetry.broker = true;
    setLink(GENERATING);
    subject.sample(T0 + 2_000);

    expect(
      subject.events.recent().map(({ at, kind, text }) => [at.slice(17, 19), kind, text]),
    ).toEqual([
      ['01', 'peer', 'link to the peer KME down'],
      ['01', 'broker', 'broker connection lost'],
      ['01', 'link', 'eavesdropper on the quantum channel'],
      ['01', 'link', 'link aborted: QBER 27.0% above the abort threshold 11.0%'],
      ['02', 'peer', 'link to the peer KME up'],
      ['02', 'broker', 'broker connected'],
      ['02', 'link', 'eavesdropper gone'],
      ['02', 'link', 'link generating at 64.0 kbit/s, QBER 2.0%'],
    ]);
    expect(subject.events.recent().every((event) => event.kme_id === 'kme-1')).toBe(true);
  });

  it('tells of a cut channel once, and of changes of preset and length', () => {
    const { subject, setLink } = sampler();
    subject.sample(T0);
    setLink({ ...GENERATING, quantum_channel: 'down', qber: 0.5, generating: false });
    subject.sample(T0 + 1_000);
    setLink({ ...GENERATING, preset: 'long-haul', distance_km: 100 });
    subject.sample(T0 + 2_000);
    expect(subject.events.recent().map((event) => event.text)).toEqual([
      'quantum channel down',
      'quantum channel up',
      'preset long-haul',
      'fibre length 100 km',
      'link generating at 64.0 kbit/s, QBER 2.0%',
    ]);
  });

  it('leaves the events of the link to the master KME, which runs it', () => {
    const { subject, setLink } = sampler('slave');
    subject.sample(T0);
    setLink({ ...GENERATING, eavesdropper: true });
    subject.sample(T0 + 1_000);
    expect(subject.events.recent()).toEqual([]);
  });

  it('samples the link where it is known, and shows what it can when a read fails', () => {
    const { subject, telemetry, setLink } = sampler();
    expect(subject.sample(T0).link).toEqual({ qber: 0.02, secretKeyRateBps: 64_000 });
    setLink(undefined);
    telemetry.failure = new Error('store closed');
    const sample = subject.sample(T0 + 1_000);
    expect(sample.link).toBeUndefined();
    expect(sample.availableBits).toBe(0);
    expect(subject.peerLinkUpNow()).toBe(false);
  });
});
