import type { DashboardData } from '../simulation.types';
import { formatValue } from './render';

/** What one poll of one KME gave: its dashboard data, or why there is none. */
export interface KmeSnapshot {
  readonly url: string;
  readonly data?: DashboardData;
  readonly error?: string;
}

/**
 * One frame of `kme watch`: a heading, then per KME its URL and its dashboard data as
 * `name  value` lines. The data's shape is not fixed yet, so nested members are flattened to
 * dotted names (`pool.stored_bits`) rather than laid out by hand.
 */
export function renderWatchFrame(snapshots: readonly KmeSnapshot[], at: Date): string[] {
  const lines = [`kme watch  ${at.toISOString().slice(11, 19)} UTC  (Ctrl-C to quit)`];
  for (const snapshot of snapshots) {
    lines.push('', snapshot.url);
    if (snapshot.data === undefined) {
      lines.push(`  unavailable: ${snapshot.error ?? 'no data'}`);
      continue;
    }
    const entries = flatten(snapshot.data, '');
    if (entries.length === 0) lines.push('  (no data)');
    const width = Math.max(0, ...entries.map(([name]) => name.length));
    for (const [name, value] of entries) lines.push(`  ${name.padEnd(width)}  ${value}`);
  }
  return lines;
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
