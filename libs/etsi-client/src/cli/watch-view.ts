import type {
  DashboardData,
  DashboardEvent,
  DashboardKme,
  DashboardLink,
} from '../dashboard.types';
import { formatValue } from './render';

/** What one poll of one KME gave: its dashboard data, or why there is none. */
export interface KmeSnapshot {
  readonly url: string;
  /** The answer as received: not validated, so possibly not DashboardData at all. */
  readonly data?: unknown;
  readonly error?: string;
}

/** Events shown below the KMEs. */
const EVENTS_SHOWN = 5;
const BAR_WIDTH = 20;

/**
 * One frame of `kme watch`: a heading; per KME its URL, pool level, link and broker state and
 * traffic; then the simulated link (from whichever KME reports it) and the latest events of all.
 * An answer that is not the dashboard data this CLI knows is shown flattened, member by member.
 */
export function renderWatchFrame(snapshots: readonly KmeSnapshot[], at: Date): string[] {
  const lines = [`kme watch  ${at.toISOString().slice(11, 19)} UTC  (Ctrl-C to quit)`];
  for (const snapshot of snapshots) {
    lines.push('');
    if (snapshot.data === undefined) {
      lines.push(snapshot.url, `  unavailable: ${snapshot.error ?? 'no data'}`);
    } else if (isDashboardData(snapshot.data)) {
      lines.push(...kmeLines(snapshot.url, snapshot.data.kme));
    } else {
      lines.push(snapshot.url, ...flattenedLines(snapshot.data));
    }
  }
  const known = snapshots.map((snapshot) => snapshot.data).filter(isDashboardData);
  const link = known.map((data) => data.link).find((candidate) => candidate !== null);
  if (known.length > 0) lines.push('', ...linkLines(link ?? null));
  const events = latestEvents(known.flatMap((data) => data.events));
  if (events.length > 0) {
    lines.push('', 'events');
    for (const event of events) {
      lines.push(`  ${event.at.slice(11, 19)}  ${event.kme_id}  ${event.kind}: ${event.text}`);
    }
  }
  return lines;
}

function kmeLines(url: string, kme: DashboardKme): string[] {
  const { available_bits: bits, capacity_bits: capacity } = kme.pool;
  const share = capacity > 0 ? Math.min(1, Math.max(0, bits / capacity)) : 0;
  const filled = Math.round(share * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const errors = Object.entries(kme.errors.by_status)
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ');
  return [
    `${url}  ${kme.kme_id} (${kme.role} KME)`,
    `  pool     ${bar} ${thousands(bits)} of ${thousands(capacity)} bits (${Math.round(100 * share)}%)`,
    `  state    KME-to-KME link ${kme.peer_link_up ? 'up' : 'DOWN'}, broker ${
      kme.broker_connected ? 'connected' : 'NOT CONNECTED'
    }`,
    `  traffic  ${kme.deliveries.keys_per_s} keys/s, ${thousands(kme.deliveries.keys_total)} keys in all; ` +
      `errors ${kme.errors.per_s}/s${errors === '' ? '' : ` (${errors})`}`,
  ];
}

function linkLines(link: DashboardLink | null): string[] {
  if (link === null) return ['link     unknown (no simulation data)'];
  const parts = [
    link.status.replace('_', ' ').toUpperCase(),
    `QBER ${(100 * link.qber).toFixed(1)}%`,
    formatRate(link.secret_key_rate_bps),
    `quantum channel ${link.quantum_channel}`,
    link.eavesdropper ? 'EAVESDROPPER' : 'no eavesdropper',
  ];
  if (link.distance_km !== null) parts.push(`${link.distance_km} km`);
  if (link.preset !== null) parts.push(`preset ${link.preset}`);
  const lines = [`link     ${parts.join(', ')}  (run by ${link.kme_id})`];
  if (link.reason !== null) lines.push(`         ${link.reason}`);
  return lines;
}

/** The most recent events, once each (both KMEs report their peer's too), oldest first. */
function latestEvents(events: readonly DashboardEvent[]): DashboardEvent[] {
  const unique = new Map<string, DashboardEvent>();
  for (const event of events) unique.set(`${event.at} ${event.kme_id} ${event.text}`, event);
  return [...unique.values()]
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    .slice(-EVENTS_SHOWN);
}

export function formatRate(bps: number | null): string {
  if (bps === null) return 'no rate limit';
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(2)} Mbit/s`;
  if (bps >= 1e3) return `${(bps / 1e3).toFixed(1)} kbit/s`;
  return `${Math.round(bps)} bit/s`;
}

const thousands = (x: number): string => Math.round(x).toLocaleString('en-US');

/** Dashboard data of the version this CLI reads; anything else is shown flattened. */
function isDashboardData(data: unknown): data is DashboardData {
  if (typeof data !== 'object' || data === null) return false;
  const { version, kme, events } = data as Partial<Record<keyof DashboardData, unknown>>;
  return version === 1 && typeof kme === 'object' && kme !== null && Array.isArray(events);
}

function flattenedLines(data: unknown): string[] {
  const entries = flatten(data, '');
  if (entries.length === 0) return ['  (no data)'];
  const width = Math.max(0, ...entries.map(([name]) => name.length));
  return entries.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`);
}

/** Dotted names for nested objects, `[i]` for arrays of objects; arrays of plain values joined. */
export function flatten(value: unknown, prefix: string): [string, string][] {
  if (Array.isArray(value)) {
    if (value.every((item) => typeof item !== 'object' || item === null)) {
      return [[prefix, value.map(formatValue).join(', ')]];
    }
    return value.flatMap((item, index) => flatten(item, `${prefix}[${index}]`));
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return [[prefix, '{}']];
    return entries.flatMap(([name, member]) =>
      flatten(member, prefix ? `${prefix}.${name}` : name),
    );
  }
  return [[prefix, formatValue(value)]];
}
