// A master store killed with SIGKILL at random points while it allocates, fills its outbox and
// takes in material: after each kill the store opens, passes SQLite's integrity check, holds
// everything the worker reported committed, and no byte was ever allocated twice.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { MaterialRange, StreamSpan } from '@app/key-pool';
import { prng } from './test-helpers';
import Database from 'better-sqlite3';
import { exited, onLines, runHelper } from '../test/child-process';
import { baseOptions, removeTempDirs, tempDir } from '../test/store-harness';
import { openMasterKeyStore } from '.';

afterAll(removeTempDirs);

const SEED = 20_240_611;
const ROUNDS = 4;

/** What the worker told before it was killed. */
interface Reports {
  readonly blocks: StreamSpan[];
  readonly allocations: Map<number, readonly MaterialRange[]>;
  /** Entries up to this sequence number may have been removed (a removal was started). */
  removableThrough: number;
}

/** Runs the worker until its `progress`th progress line, kills it, and reads its reports. */
async function runAndKill(dir: string, progress: number, reports: Reports): Promise<void> {
  const reportFile = path.join(dir, `reports-${Date.now()}-${Math.random()}.txt`);
  writeFileSync(reportFile, '');
  const worker = runHelper('crash-worker.ts', [path.join(dir, 'data'), reportFile]);
  let stderr = '';
  worker.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let seen = 0;
  onLines(worker, (line) => {
    if (line === 'progress' && ++seen === progress) worker.kill('SIGKILL');
  });
  const { signal } = await exited(worker);
  // Anything but our SIGKILL is a failure of the worker, not a crash we caused.
  expect({ signal, stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });

  const lines = readFileSync(reportFile, 'utf8').split('\n');
  // The last line may be cut short by the kill: it is not a report.
  for (const line of lines.slice(0, -1)) {
    const [kind, ...rest] = line.split(' ');
    const value = rest.join(' ');
    if (kind === 'reserved' || kind === 'committed') {
      const [start, end] = value.split(' ').map(Number);
      reports.blocks.push({ start, end });
    } else if (kind === 'tx') {
      for (const { seq, ranges } of JSON.parse(value) as {
        seq: number;
        ranges: MaterialRange[];
      }[]) {
        reports.allocations.set(seq, ranges);
      }
    } else if (kind === 'removing') {
      reports.removableThrough = Math.max(reports.removableThrough, Number(value));
    }
  }
}

function integrityOf(file: string): string {
  const db = new Database(file);
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[])
      .map((row) => row.integrity_check)
      .join('; ');
  } finally {
    db.close();
  }
}

const byStart = (spans: readonly StreamSpan[]) => [...spans].sort((a, b) => a.start - b.start);

/** Pairs of spans that share a byte (there should be none). */
function overlapsIn(spans: readonly StreamSpan[]): [StreamSpan, StreamSpan][] {
  const sorted = byStart(spans);
  const overlaps: [StreamSpan, StreamSpan][] = [];
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].start < sorted[i - 1].end) overlaps.push([sorted[i - 1], sorted[i]]);
  }
  return overlaps;
}

/** The spans of `wanted` with a byte outside the disjoint `cover` (there should be none). */
function uncovered(wanted: readonly StreamSpan[], cover: readonly StreamSpan[]): StreamSpan[] {
  // Adjacent spans of the cover merged, so that each wanted span lies in one of them.
  const merged: { start: number; end: number }[] = [];
  for (const { start, end } of byStart(cover)) {
    const last = merged.at(-1);
    if (last !== undefined && last.end === start) last.end = end;
    else merged.push({ start, end });
  }
  return wanted.filter(({ start, end }) => {
    let low = 0;
    let high = merged.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (merged[mid].end <= start) low = mid + 1;
      else high = mid;
    }
    const span = merged[low];
    return span === undefined || span.start > start || span.end < end;
  });
}

describe('a master store killed with SIGKILL', () => {
  it(`keeps its invariants across ${ROUNDS} kills at random points (seed ${SEED})`, async () => {
    const random = prng(SEED);
    const dir = tempDir();
    const data = path.join(dir, 'data');
    const file = path.join(data, 'master-kme.sqlite');
    const reports: Reports = { blocks: [], allocations: new Map(), removableThrough: 0 };

    for (let round = 0; round < ROUNDS; round++) {
      await runAndKill(dir, 1 + random(20), reports);
      expect(integrityOf(file)).toBe('ok');

      const store = openMasterKeyStore(baseOptions(data));
      try {
        const entries = store.outbox.entriesAfter(0, Number.MAX_SAFE_INTEGER);
        const bySeq = new Map(entries.map(({ seq, body }) => [seq, body]));
        for (const [seq, ranges] of reports.allocations) {
          if (seq <= reports.removableThrough) continue;
          const body = bySeq.get(seq);
          expect(body).toBeDefined();
          expect((JSON.parse(body!) as { ranges: MaterialRange[] }).ranges).toEqual(ranges);
        }
        // Entries committed but not reported before the kill count as allocations too.
        for (const { seq, body } of entries) {
          reports.allocations.set(seq, (JSON.parse(body) as { ranges: MaterialRange[] }).ranges);
        }
        expect(overlapsIn([...reports.allocations.values()].flat())).toEqual([]);
      } finally {
        store.close();
      }
    }

    // At the end, what was never allocated is still there, once: allocating it all covers every
    // reported block together with the earlier allocations, and touches none of them.
    const store = openMasterKeyStore(baseOptions(data));
    try {
      for (const block of store.material.pendingBlocks()) store.material.commit(block);
      const rest =
        store.material.availableBytes > 0
          ? store.material.allocate(store.material.availableBytes).ranges
          : [];
      const everything = [...[...reports.allocations.values()].flat(), ...rest];
      expect(overlapsIn(everything)).toEqual([]);
      expect(uncovered(reports.blocks, everything)).toEqual([]);
      expect(reports.allocations.size).toBeGreaterThan(ROUNDS * 10);
    } finally {
      store.close();
    }
  }, 120_000);
});
