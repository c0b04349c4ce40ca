import {
  MaterialReusedError,
  MaterialUnavailableError,
  rangeLength,
  type MaterialBlock,
  type MaterialRange,
  type ReplicaMaterial,
} from '@app/key-pool';
import type Database from 'better-sqlite3';
import { MaterialChunks } from './material-chunks';
import type { Reloadable, SqliteDatabase } from './sqlite-database';

interface Span {
  readonly start: number;
  readonly end: number;
}

/** A block held in this era; `remaining` counts its bytes not cut yet. */
interface HeldBlock extends Span {
  remaining: number;
}

interface Piece {
  readonly part: HeldBlock;
  readonly from: number;
  readonly to: number;
}

interface StateRow {
  readonly epoch: string | null;
  readonly from_offset: number;
  readonly received_end: number;
}

interface BlockRow {
  readonly start: number;
  readonly length: number;
  readonly used: number;
}

/**
 * The slave KME's copy of the material (see ReplicaPool, whose semantics it keeps) on disk:
 * blocks, their bytes, the ranges cut from them, the gaps and the era in tables; block
 * boundaries, gaps and counters in memory. A used-up block is deleted with its cuts, and the
 * era's receivedEnd and gaps keep its bytes from ever being accepted or cut again.
 */
export class SqliteReplicaMaterial implements ReplicaMaterial, Reloadable {
  private epochId: string | undefined;
  private fromOffset = 0;
  private received = 0;
  /** Ranges below receivedEnd skipped by a later block, sorted and disjoint. */
  private gaps: Span[] = [];
  /** Blocks of the current era not used up, in stream order. */
  private held: HeldBlock[] = [];
  private available = 0;
  private readonly arrivalListeners = new Set<() => void>();
  private readonly chunks: MaterialChunks;

  private readonly selectState: Database.Statement<[], StateRow>;
  private readonly selectBlocks: Database.Statement<[], BlockRow>;
  private readonly selectGaps: Database.Statement<[], Span>;
  private readonly updateState: Database.Statement<[string, number, number]>;
  private readonly insertBlock: Database.Statement<[number, number]>;
  private readonly deleteBlock: Database.Statement<[number]>;
  private readonly deleteBlocksBelow: Database.Statement<[number]>;
  private readonly deleteAllBlocks: Database.Statement<[]>;
  private readonly insertGap: Database.Statement<[number, number]>;
  private readonly deleteGapsEndingBy: Database.Statement<[number]>;
  private readonly deleteAllGaps: Database.Statement<[]>;
  private readonly lastCutBefore: Database.Statement<[number], Span>;
  private readonly cutAt: Database.Statement<[number], Span>;
  private readonly insertCut: Database.Statement<[number, number]>;
  private readonly setCutEnd: Database.Statement<[number, number]>;
  private readonly deleteCut: Database.Statement<[number]>;
  private readonly deleteCutsIn: Database.Statement<[number, number]>;
  private readonly deleteAllCuts: Database.Statement<[]>;

  constructor(private readonly store: SqliteDatabase) {
    const db = store.db;
    this.chunks = new MaterialChunks(db, 'replica_chunk');
    this.selectState = db.prepare(
      'SELECT epoch, from_offset, received_end FROM replica_state WHERE id = 1',
    );
    this.selectBlocks = db.prepare(
      `SELECT b.start, b.length,
         (SELECT coalesce(sum(c.end - c.start), 0) FROM replica_cut c
          WHERE c.start >= b.start AND c.start < b.start + b.length) AS used
       FROM replica_block b ORDER BY b.start`,
    );
    this.selectGaps = db.prepare('SELECT start, end FROM replica_gap ORDER BY start');
    this.updateState = db.prepare(
      'UPDATE replica_state SET epoch = ?, from_offset = ?, received_end = ? WHERE id = 1',
    );
    this.insertBlock = db.prepare('INSERT INTO replica_block (start, length) VALUES (?, ?)');
    this.deleteBlock = db.prepare('DELETE FROM replica_block WHERE start = ?');
    this.deleteBlocksBelow = db.prepare('DELETE FROM replica_block WHERE start < ?');
    this.deleteAllBlocks = db.prepare('DELETE FROM replica_block');
    this.insertGap = db.prepare('INSERT INTO replica_gap (start, end) VALUES (?, ?)');
    this.deleteGapsEndingBy = db.prepare('DELETE FROM replica_gap WHERE end <= ?');
    this.deleteAllGaps = db.prepare('DELETE FROM replica_gap');
    this.lastCutBefore = db.prepare(
      'SELECT start, end FROM replica_cut WHERE start < ? ORDER BY start DESC LIMIT 1',
    );
    this.cutAt = db.prepare('SELECT start, end FROM replica_cut WHERE start = ?');
    this.insertCut = db.prepare('INSERT INTO replica_cut (start, end) VALUES (?, ?)');
    this.setCutEnd = db.prepare('UPDATE replica_cut SET end = ? WHERE start = ?');
    this.deleteCut = db.prepare('DELETE FROM replica_cut WHERE start = ?');
    this.deleteCutsIn = db.prepare('DELETE FROM replica_cut WHERE start >= ? AND start < ?');
    this.deleteAllCuts = db.prepare('DELETE FROM replica_cut');
    this.reload();
  }

  get epoch(): string | undefined {
    return this.epochId;
  }

  get availableBytes(): number {
    return this.available;
  }

  get receivedEnd(): number {
    return this.received;
  }

  reload(): void {
    const state = this.selectState.get();
    if (state === undefined) throw new Error('the key store has no replica material state');
    this.epochId = state.epoch ?? undefined;
    this.fromOffset = state.from_offset;
    this.received = state.received_end;
    this.gaps = this.selectGaps.all();
    this.held = this.selectBlocks
      .all()
      .map(({ start, length, used }) => ({ start, end: start + length, remaining: length - used }));
    this.available = this.held.reduce((sum, block) => sum + block.remaining, 0);
  }

  reset(epoch: string, fromOffset: number): void {
    this.store.write(() => {
      const sameEpoch = epoch === this.epochId;
      const received = sameEpoch ? Math.max(this.received, fromOffset) : fromOffset;
      const gaps = sameEpoch ? this.gaps.filter((gap) => gap.end > fromOffset) : [];
      const kept = sameEpoch ? this.held.filter((block) => block.start >= fromOffset) : [];
      if (!sameEpoch) {
        this.deleteAllBlocks.run();
        this.chunks.clear();
        this.deleteAllCuts.run();
        this.deleteAllGaps.run();
      } else if (kept.length < this.held.length) {
        // Held blocks are disjoint and sorted: those dropped are a prefix.
        const through = this.held[this.held.length - kept.length - 1].end;
        this.deleteBlocksBelow.run(fromOffset);
        this.chunks.remove(this.held[0].start, through);
        this.deleteCutsIn.run(this.held[0].start, through);
      }
      if (sameEpoch && gaps.length < this.gaps.length) this.deleteGapsEndingBy.run(fromOffset);
      this.updateState.run(epoch, fromOffset, received);
      this.store.touch(this);
      this.epochId = epoch;
      this.fromOffset = fromOffset;
      this.received = received;
      this.gaps = gaps;
      this.held = kept;
      this.available = kept.reduce((sum, block) => sum + block.remaining, 0);
    });
  }

  add(block: MaterialBlock): boolean {
    const epoch = this.epochId;
    if (epoch === undefined || block.epoch !== epoch || block.start < this.fromOffset) return false;
    if (block.start < this.received) return false; // redelivered duplicate
    if (block.bytes.length === 0) return false; // nothing to keep
    const end = block.start + block.bytes.length;
    this.store.write(() => {
      const gap = block.start > this.received ? { start: this.received, end: block.start } : null;
      if (gap !== null) this.insertGap.run(gap.start, gap.end);
      this.insertBlock.run(block.start, block.bytes.length);
      this.chunks.store(block.start, block.bytes);
      this.updateState.run(epoch, this.fromOffset, end);
      this.store.touch(this);
      if (gap !== null) this.gaps.push(gap);
      this.received = end;
      this.held.push({ start: block.start, end, remaining: block.bytes.length });
      this.available += block.bytes.length;
      this.store.afterCommit(() => {
        for (const listener of [...this.arrivalListeners]) listener();
      });
    });
    return true;
  }

  holds(range: MaterialRange): boolean {
    if (range.epoch !== this.epochId || range.start < this.fromOffset) return false;
    if (range.end > this.received) return false;
    return !this.gaps.some((gap) => gap.start < range.end && gap.end > range.start);
  }

  onArrival(listener: () => void): () => void {
    this.arrivalListeners.add(listener);
    return () => this.arrivalListeners.delete(listener);
  }

  cut(ranges: readonly MaterialRange[]): Buffer {
    return this.store.write(() => {
      // Ranges that follow each other (a message's activations) are read and recorded as one.
      const pieces = joinAdjacent(ranges).map((range) => this.piecesOf(range));
      refuseOverlaps(ranges);
      const out = Buffer.allocUnsafe(ranges.reduce((sum, range) => sum + rangeLength(range), 0));
      let written = 0;
      const cutOf = new Map<HeldBlock, Span[]>();
      for (const { part, from, to } of pieces.flat()) {
        this.chunks.copy(from, to, out, written);
        written += to - from;
        const spans = cutOf.get(part) ?? [];
        spans.push({ start: from, end: to });
        cutOf.set(part, spans);
      }
      const remaining = new Map<HeldBlock, number>();
      for (const [part, spans] of cutOf) {
        const left = spans.reduce((sum, span) => sum - (span.end - span.start), part.remaining);
        remaining.set(part, left);
        if (left === 0) {
          // Used up: released with its cuts. receivedEnd keeps its bytes from coming back.
          this.deleteBlock.run(part.start);
          this.chunks.remove(part.start, part.end);
          this.deleteCutsIn.run(part.start, part.end);
        } else {
          for (const span of spans) this.recordCut(part, span);
        }
      }
      if (remaining.size === 0) return out;
      this.store.touch(this);
      let emptied = false;
      for (const [part, left] of remaining) {
        this.available -= part.remaining - left;
        part.remaining = left;
        emptied ||= left === 0;
      }
      if (emptied) this.held = this.held.filter((block) => block.remaining > 0);
      return out;
    });
  }

  /** Stores a cut inside `part`, merged with the cuts it touches in the same block. */
  private recordCut(part: HeldBlock, { start, end }: Span): void {
    const before = this.lastCutBefore.get(start);
    const joinsBefore = before !== undefined && before.end === start && before.start >= part.start;
    const after = end < part.end ? this.cutAt.get(end) : undefined;
    if (joinsBefore && after !== undefined) {
      this.setCutEnd.run(after.end, before.start);
      this.deleteCut.run(after.start);
    } else if (joinsBefore) {
      this.setCutEnd.run(end, before.start);
    } else if (after !== undefined) {
      this.deleteCut.run(after.start);
      this.insertCut.run(start, after.end);
    } else {
      this.insertCut.run(start, end);
    }
  }

  /** True when a byte of [start, end) was cut (cuts exist only in held blocks). */
  private anyCut(start: number, end: number): boolean {
    const last = this.lastCutBefore.get(end);
    return last !== undefined && last.end > start;
  }

  /** The held, unused pieces that make up a range; throws when any byte is missing or used. */
  private piecesOf(range: MaterialRange): Piece[] {
    if (rangeLength(range) <= 0) throw new RangeError('empty material range');
    const parts = this.blocksOverlapping(range);
    if (parts.length > 0 && this.anyCut(range.start, range.end)) {
      throw new MaterialReusedError(range);
    }
    const pieces = parts.map((part) => ({
      part,
      from: Math.max(range.start, part.start),
      to: Math.min(range.end, part.end),
    }));
    const covered = pieces.reduce((sum, { from, to }) => sum + to - from, 0);
    if (covered !== rangeLength(range)) {
      // A byte that arrived but is no longer held was used up (its block released): reuse.
      if (this.releasedIn(range, parts)) throw new MaterialReusedError(range);
      throw new MaterialUnavailableError(range);
    }
    return pieces;
  }

  /** True when a byte of `range` outside the held `parts` arrived in this era. */
  private releasedIn(range: MaterialRange, parts: readonly HeldBlock[]): boolean {
    if (range.epoch !== this.epochId) return false;
    let cursor = range.start;
    for (const part of parts) {
      if (part.start > cursor && this.arrivedAny(cursor, part.start)) return true;
      cursor = part.end;
    }
    return cursor < range.end && this.arrivedAny(cursor, range.end);
  }

  /** True when some byte of [start, end) arrived in this era (gaps are sorted and disjoint). */
  private arrivedAny(start: number, end: number): boolean {
    let from = Math.max(start, this.fromOffset);
    const to = Math.min(end, this.received);
    for (const gap of this.gaps) {
      if (from >= to || gap.start > from) break;
      if (gap.end > from) from = gap.end;
    }
    return from < to;
  }

  private blocksOverlapping(range: MaterialRange): HeldBlock[] {
    if (range.epoch !== this.epochId) return [];
    let low = 0;
    let high = this.held.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.held[mid].end <= range.start) low = mid + 1;
      else high = mid;
    }
    const parts: HeldBlock[] = [];
    for (let i = low; i < this.held.length && this.held[i].start < range.end; i++) {
      parts.push(this.held[i]);
    }
    return parts;
  }
}

/** The ranges in their order, each one that starts where the one before ended joined to it. */
function joinAdjacent(ranges: readonly MaterialRange[]): MaterialRange[] {
  const joined: MaterialRange[] = [];
  for (const range of ranges) {
    const last = joined.at(-1);
    const follows = last !== undefined && last.epoch === range.epoch && last.end === range.start;
    // An empty range stays apart, for piecesOf to refuse.
    if (follows && range.end > range.start) {
      joined[joined.length - 1] = { epoch: range.epoch, start: last.start, end: range.end };
    } else {
      joined.push(range);
    }
  }
  return joined;
}

/** Ranges of one cut that share a byte would put it in two keys: refused before any is marked. */
function refuseOverlaps(ranges: readonly MaterialRange[]): void {
  let reach = Number.NEGATIVE_INFINITY;
  for (const range of [...ranges].sort((a, b) => a.start - b.start)) {
    if (range.start < reach) throw new MaterialReusedError(range);
    reach = Math.max(reach, range.end);
  }
}
