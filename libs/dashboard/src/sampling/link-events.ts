import type { DashboardEvent, LinkState } from '@app/etsi-client';
import { linkStatusOf } from './link-status';

type Change = [DashboardEvent['kind'], string];

const percent = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** A rate for people: 64.0 kbit/s, 1.20 Mbit/s. */
export function formatRate(bps: number | null): string {
  if (bps === null) return 'no rate limit';
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(2)} Mbit/s`;
  if (bps >= 1e3) return `${(bps / 1e3).toFixed(1)} kbit/s`;
  return `${Math.round(bps)} bit/s`;
}

/**
 * What changed on the simulated link between two samples, as events. The QBER and the rate move
 * with every change of distance or preset; only what an operator would call an event is one.
 */
export function linkChanges(before: LinkState | undefined, after: LinkState | undefined): Change[] {
  if (before === undefined || after === undefined) return [];
  const changes: Change[] = [];
  if (before.quantum_channel !== after.quantum_channel) {
    changes.push(['link', `quantum channel ${after.quantum_channel}`]);
  }
  if (before.eavesdropper !== after.eavesdropper) {
    changes.push([
      'link',
      after.eavesdropper ? 'eavesdropper on the quantum channel' : 'eavesdropper gone',
    ]);
  }
  if (before.preset !== after.preset && after.preset !== null) {
    changes.push(['link', `preset ${after.preset}`]);
  }
  if (before.distance_km !== after.distance_km && after.distance_km !== null) {
    changes.push(['link', `fibre length ${after.distance_km} km`]);
  }
  const status = linkStatusOf(after);
  if (linkStatusOf(before) !== status && status !== 'channel_down') {
    changes.push(['link', statusText(after, status)]);
  }
  return changes;
}

function statusText(link: LinkState, status: ReturnType<typeof linkStatusOf>): string {
  switch (status) {
    case 'generating':
      return `link generating at ${formatRate(link.secret_key_rate_bps)}, QBER ${percent(link.qber)}`;
    case 'aborted':
      return `link aborted: ${link.reason ?? `QBER ${percent(link.qber)}`}`;
    default:
      return `link stopped: ${link.reason ?? 'no key'}`;
  }
}
