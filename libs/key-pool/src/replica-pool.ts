import { MaterialReusedError, MaterialUnavailableError } from './errors';
import { rangeLength, type MaterialBlock, type MaterialRange } from './material';

interface HeldBlock {
  readonly block: MaterialBlock;
  readonly end: number;
  /** One bit per byte: set once the byte has been cut into a key. */
  readonly used: Uint8Array;
  remaining: number;
}

/**
 * The slave KME's copy of the shared material. It never chooses ranges itself: it cuts the
 * ranges the master KME allocated, and refuses any byte that was already cut.
 */
export class ReplicaPool {
  private epochId: string | undefined;
  private fromOffset = 0;
  /** Blocks of the current epoch, ordered by start offset. */
  private held: HeldBlock[] = [];
  private available = 0;
  /**
   * End of the material received in this era. Bytes below it are never accepted again, even
   * when their block was used up and released, so a redelivered block cannot re-arm used bytes.
   */
  private receivedEnd = 0;
  /** Ranges below receivedEnd skipped by a block that arrived later: they can never arrive. */
  private gaps: { readonly start: number; readonly end: number }[] = [];
  private readonly arrivalListeners = new Set<() => void>();

  get availableBytes(): number {
    return this.available;
  }

  get epoch(): string | undefined {
    return this.epochId;
  }

  /**
   * Starts a new era of the link: from now on only material of `epoch` at or after `fromOffset`
   * is valid. Everything else held is dropped (its peer copy is gone).
   */
  reset(epoch: string, fromOffset: number): void {
    const sameEpoch = epoch === this.epochId;
    this.receivedEnd = sameEpoch ? Math.max(this.receivedEnd, fromOffset) : fromOffset;
    this.gaps = sameEpoch ? this.gaps.filter((gap) => gap.end > fromOffset) : [];
    this.epochId = epoch;
    this.fromOffset = fromOffset;
    this.held = this.held.filter((h) => h.block.epoch === epoch && h.block.start >= fromOffset);
    this.available = this.held.reduce((sum, h) => sum + h.remaining, 0);
  }

  /** Stores a block; returns false (and keeps nothing) when it belongs to no current era. */
  add(block: MaterialBlock): boolean {
    if (block.epoch !== this.epochId || block.start < this.fromOffset) return false;
    const end = block.start + block.bytes.length;
    if (block.start < this.receivedEnd) return false; // redelivered duplicate
    if (block.start > this.receivedEnd) {
      this.gaps.push({ start: this.receivedEnd, end: block.start });
    }
    this.receivedEnd = end;
    this.held.push({
      block,
      end,
      used: new Uint8Array(Math.ceil(block.bytes.length / 8)),
      remaining: block.bytes.length,
    });
    this.available += block.bytes.length;
    for (const listener of [...this.arrivalListeners]) listener();
    return true;
  }

  /** True when every byte of the range has arrived (used or not). */
  holds(range: MaterialRange): boolean {
    if (range.epoch !== this.epochId || range.start < this.fromOffset) return false;
    if (range.end > this.receivedEnd) return false;
    return !this.gaps.some((gap) => gap.start < range.end && gap.end > range.start);
  }

  /** Calls `listener` on every stored block until the returned function is called. */
  onArrival(listener: () => void): () => void {
    this.arrivalListeners.add(listener);
    return () => this.arrivalListeners.delete(listener);
  }

  /**
   * Copies the ranges out, concatenated, and marks them used. All-or-nothing: either every byte
   * was held and unused, or nothing changes and an error says why.
   */
  cut(ranges: readonly MaterialRange[]): Buffer {
    const pieces = ranges.map((range) => this.piecesOf(range));
    refuseOverlaps(ranges);
    const out = Buffer.allocUnsafe(ranges.reduce((sum, range) => sum + rangeLength(range), 0));
    let written = 0;
    let emptied = false;
    for (const range of ranges) {
      for (const { part, from, to } of pieces.shift()!) {
        part.block.bytes.copy(out, written, from, to);
        written += to - from;
        setBits(part.used, from, to);
        part.remaining -= to - from;
        emptied ||= part.remaining === 0;
      }
      this.available -= rangeLength(range);
    }
    if (emptied) this.held = this.held.filter((h) => h.remaining > 0);
    return out;
  }

  /** The held, unused pieces that make up a range; throws when any byte is missing or used. */
  private piecesOf(range: MaterialRange): { part: HeldBlock; from: number; to: number }[] {
    if (rangeLength(range) <= 0) throw new RangeError('empty material range');
    const pieces = this.blocksOverlapping(range).map((part) => ({
      part,
      from: Math.max(range.start, part.block.start) - part.block.start,
      to: Math.min(range.end, part.end) - part.block.start,
    }));
    if (pieces.some(({ part, from, to }) => anyBitSet(part.used, from, to))) {
      throw new MaterialReusedError(range);
    }
    const covered = pieces.reduce((sum, { from, to }) => sum + to - from, 0);
    if (covered !== rangeLength(range)) {
      // A byte that arrived but is no longer held was used up (its block released): reuse.
      const held = pieces.map(({ part }) => part);
      if (this.releasedIn(range, held)) throw new MaterialReusedError(range);
      throw new MaterialUnavailableError(range);
    }
    return pieces;
  }

  /** True when a byte of `range` outside the held `parts` arrived in this era. */
  private releasedIn(range: MaterialRange, parts: readonly HeldBlock[]): boolean {
    if (range.epoch !== this.epochId) return false;
    let cursor = range.start;
    for (const part of parts) {
      if (part.block.start > cursor && this.arrivedAny(cursor, part.block.start)) return true;
      cursor = part.end;
    }
    return cursor < range.end && this.arrivedAny(cursor, range.end);
  }

  /** True when some byte of [start, end) arrived in this era (gaps are sorted and disjoint). */
  private arrivedAny(start: number, end: number): boolean {
    let from = Math.max(start, this.fromOffset);
    const to = Math.min(end, this.receivedEnd);
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
    for (let i = low; i < this.held.length && this.held[i].block.start < range.end; i++) {
      parts.push(this.held[i]);
    }
    return parts;
  }
}

/** Ranges of one cut that share a byte would put it in two keys: refused before any is marked. */
function refuseOverlaps(ranges: readonly MaterialRange[]): void {
  let reach = Number.NEGATIVE_INFINITY;
  for (const range of [...ranges].sort((a, b) => a.start - b.start)) {
    if (range.start < reach) throw new MaterialReusedError(range);
    reach = Math.max(reach, range.end);
  }
}

function anyBitSet(bits: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    if ((bits[i >>> 3] & (1 << (i & 7))) !== 0) return true;
  }
  return false;
}

function setBits(bits: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) bits[i >>> 3] |= 1 << (i & 7);
}
