// A master store killed with SIGKILL at random points while it allocates, fills its outbox and
// takes in material: after each kill the store opens, passes SQLite's integrity check, holds
// everything the worker reported committed, and no byte was ever allocated twice.
import * as path from 'node:path';
import type { MaterialRange, StreamSpan } from '@app/key-pool';
import { prng } from '@app/key-pool/test-helpers';
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

/** Runs the worker until it reported `lines` lines after its start, then kills it. */
async function runAndKill(dir: string, lines: number, reports: Reports): Promise<void> {
  const worker = runHelper('crash-worker.ts', [dir]);
  let stderr = '';
  worker.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let seen = -1;
  onLines(worker, (line) => {
    const [kind, ...rest] = line.split(' ');
    const value = rest.join(' ');
    if (kind === 'started') seen = 0;
    else if (kind === 'reserved' || kind === 'committed') {
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
    if (seen >= 0 && ++seen === lines) worker.kill('SIGKILL');
  });
  const { signal } = await exited(worker);
  // Anything but our SIGKILL is a failure of the worker, not a crash we caused.
  expect({ signal, stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
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

/** Fails when two spans share a byte. */
function expectDisjoint(spans: readonly StreamSpan[]): void {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    expect(sorted[i].start).toBeGreaterThanOrEqual(sorted[i - 1].end);
  }
}

/** Fails when a byte of `span` lies in none of `cover` (disjoint spans). */
function expectCovered(span: StreamSpan, cover: readonly StreamSpan[]): void {
  const inside = cover.reduce(
    (sum, c) => sum + Math.max(0, Math.min(span.end, c.end) - Math.max(span.start, c.start)),
    0,
  );
  expect(inside).toBe(span.end - span.start);
}

describe('a master store killed with SIGKILL', () => {
  it(`keeps its invariants across ${ROUNDS} kills at random points (seed ${SEED})`, async () => {
    const random = prng(SEED);
    const dir = tempDir();
    const file = path.join(dir, 'master-kme.sqlite');
    const reports: Reports = { blocks: [], allocations: new Map(), removableThrough: 0 };

    for (let round = 0; round < ROUNDS; round++) {
      await runAndKill(dir, 50 + random(2000), reports);
      expect(integrityOf(file)).toBe('ok');

      const store = openMasterKeyStore(baseOptions(dir));
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
        expectDisjoint([...reports.allocations.values()].flat());
      } finally {
        store.close();
      }
    }

    // At the end, what was never allocated is still there, once: allocating it all covers every
    // reported block together with the earlier allocations, and touches none of them.
    const store = openMasterKeyStore(baseOptions(dir));
    try {
      for (const block of store.material.pendingBlocks()) store.material.commit(block);
      const rest =
        store.material.availableBytes > 0
          ? store.material.allocate(store.material.availableBytes).ranges
          : [];
      const everything = [...[...reports.allocations.values()].flat(), ...rest];
      expectDisjoint(everything);
      for (const block of reports.blocks) expectCovered(block, everything);
      expect(reports.allocations.size).toBeGreaterThan(ROUNDS * 10);
    } finally {
      store.close();
    }
  }, 120_000);
});
