import {
  InsufficientKeyMaterialError,
  type Allocation,
  type MasterMaterial,
  type MaterialBlock,
} from '@app/key-pool';
import type Database from 'better-sqlite3';
import { MaterialChunks } from './material-chunks';
import { CHUNK_BYTES } from './schema';
import type { Reloadable, SqliteDatabase } from './sqlite-database';
import type { StoreMeta } from './store-meta';

/** Where a block lies in the stream: [start, end). */
interface Span {
  readonly start: number;
  readonly end: number;
}

interface StateRow {
  readonly next_start: number;
  readonly valid_from: number;
  readonly committed_end: number;
  readonly allocated_to: number;
}

interface BlockRow {
  readonly start: number;
  readonly length: number;
  readonly committed: number;
}

/** Index of the chunk of `block` holding stream offset `offset`. */
const chunkOf = (offset: number, block: Span): number =>
  Math.floor((offset - block.start) / CHUNK_BYTES);

/**
 * The master KME's material (see AllocatingPool, whose semantics it keeps) on disk: blocks and
 * their bytes in tables, only their boundaries and the counters in memory. Allocation moves
 * `allocated_to` forward and deletes what it used up, so no byte can be handed out twice, also
 * across a restart.
 */
export class SqliteMasterMaterial implements MasterMaterial, Reloadable {
  readonly epoch: string;
  private readonly chunks: MaterialChunks;
  /** Committed blocks not used up, in stream order. */
  private committed: Span[] = [];
  /** Reserved blocks neither committed nor voided, in stream order. */
  private pending: Span[] = [];
  private available = 0;
  /** Every committed byte below this offset was allocated. */
  private allocatedTo = 0;
  private nextStart = 0;
  /** Blocks reserved before this offset were voided by a reset and are never committed. */
  private validFrom = 0;
  /** End of the last committed block: a block starting before it cannot be committed. */
  private committedEnd = 0;

  private readonly selectState: Database.Statement<[], StateRow>;
  private readonly selectBlocks: Database.Statement<[], BlockRow>;
  private readonly insertBlock: Database.Statement<[number, number]>;
  private readonly markCommitted: Database.Statement<[number]>;
  private readonly deleteCommittedBelow: Database.Statement<[number]>;
  private readonly deletePendingBelow: Database.Statement<[number]>;
  private readonly deleteBlocks: Database.Statement<[]>;
  private readonly setNextStart: Database.Statement<[number]>;
  private readonly setValidFrom: Database.Statement<[number]>;
  private readonly setCommittedEnd: Database.Statement<[number]>;
  private readonly setAllocatedTo: Database.Statement<[number]>;

  constructor(
    private readonly store: SqliteDatabase,
    meta: StoreMeta,
  ) {
    const db = store.db;
    this.epoch = meta.required('epoch');
    this.chunks = new MaterialChunks(db, 'master_chunk');
    this.selectState = db.prepare(
      'SELECT next_start, valid_from, committed_end, allocated_to FROM master_state WHERE id = 1',
    );
    this.selectBlocks = db.prepare(
      'SELECT start, length, committed FROM master_block ORDER BY start',
    );
    this.insertBlock = db.prepare(
      'INSERT INTO master_block (start, length, committed) VALUES (?, ?, 0)',
    );
    this.markCommitted = db.prepare('UPDATE master_block SET committed = 1 WHERE start = ?');
    this.deleteCommittedBelow = db.prepare(
      'DELETE FROM master_block WHERE committed = 1 AND start < ?',
    );
    this.deletePendingBelow = db.prepare(
      'DELETE FROM master_block WHERE committed = 0 AND start < ?',
    );
    this.deleteBlocks = db.prepare('DELETE FROM master_block');
    this.setNextStart = db.prepare('UPDATE master_state SET next_start = ? WHERE id = 1');
    this.setValidFrom = db.prepare('UPDATE master_state SET valid_from = ? WHERE id = 1');
    this.setCommittedEnd = db.prepare('UPDATE master_state SET committed_end = ? WHERE id = 1');
    this.setAllocatedTo = db.prepare('UPDATE master_state SET allocated_to = ? WHERE id = 1');
    this.reload();
  }

  get availableBytes(): number {
    return this.available;
  }

  reload(): void {
    const state = this.selectState.get();
    if (state === undefined) throw new Error('the key store has no master material state');
    this.nextStart = state.next_start;
    this.validFrom = state.valid_from;
    this.committedEnd = state.committed_end;
    this.allocatedTo = state.allocated_to;
    this.committed = [];
    this.pending = [];
    this.available = 0;
    for (const { start, length, committed } of this.selectBlocks.all()) {
      const span = { start, end: start + length };
      if (committed === 1) {
        this.committed.push(span);
        this.available += span.end - Math.max(span.start, this.allocatedTo);
      } else {
        this.pending.push(span);
      }
    }
  }

  reserve(bytes: Buffer): MaterialBlock {
    if (bytes.length === 0) throw new RangeError('a block of material holds at least one byte');
    return this.store.write(() => {
      const start = this.nextStart;
      const end = start + bytes.length;
      this.insertBlock.run(start, bytes.length);
      this.chunks.store(start, bytes);
      this.setNextStart.run(end);
      this.store.touch(this);
      this.nextStart = end;
      this.pending.push({ start, end });
      return { epoch: this.epoch, start, bytes };
    });
  }

  commit(block: MaterialBlock): boolean {
    if (block.epoch !== this.epoch || block.start < this.validFrom) return false;
    if (block.start < this.committedEnd) {
      throw new Error(`block at ${block.start} committed out of order`);
    }
    const index = this.pending.findIndex((span) => span.start === block.start);
    const span = this.pending[index];
    if (span === undefined || span.end !== block.start + block.bytes.length) {
      throw new Error(`block at ${block.start} was not reserved`);
    }
    return this.store.write(() => {
      // Blocks reserved before this one and still pending can never be committed (that would
      // be out of order): they are void, and no longer to be shipped.
      for (const voided of this.pending.slice(0, index))
        this.chunks.remove(voided.start, voided.end);
      if (index > 0) this.deletePendingBelow.run(block.start);
      this.markCommitted.run(block.start);
      this.setCommittedEnd.run(span.end);
      this.store.touch(this);
      this.pending = this.pending.slice(index + 1);
      this.committed.push(span);
      this.committedEnd = span.end;
      this.available += span.end - span.start;
      return true;
    });
  }

  pendingBlocks(): MaterialBlock[] {
    return this.store.read(() =>
      this.pending.map(({ start, end }) => ({
        epoch: this.epoch,
        start,
        bytes: this.chunks.read(start, end),
      })),
    );
  }

  allocate(length: number): Allocation {
    if (!Number.isInteger(length) || length <= 0) {
      throw new RangeError(`allocation length must be a positive integer, got ${length}`);
    }
    if (length > this.available) throw new InsufficientKeyMaterialError(length, this.available);
    const bytes = Buffer.allocUnsafe(length);
    const ranges: { epoch: string; start: number; end: number }[] = [];
    let copied = 0;
    let usedUp = 0;
    let position = this.allocatedTo;
    this.store.read(() => {
      while (copied < length) {
        const block = this.committed[usedUp];
        const start = Math.max(position, block.start);
        const take = Math.min(length - copied, block.end - start);
        this.chunks.copy(start, start + take, bytes, copied);
        const previous = ranges.at(-1);
        if (previous !== undefined && previous.end === start) previous.end += take;
        else ranges.push({ epoch: this.epoch, start, end: start + take });
        copied += take;
        position = start + take;
        if (position === block.end) usedUp++;
      }
    });
    // Chunks of the block now at the head that were used up: most allocations finish none.
    const head = this.committed[usedUp];
    const from = usedUp > 0 || head === undefined ? 0 : Math.max(this.allocatedTo, head.start);
    const chunksUsedUp =
      head !== undefined && chunkOf(position, head) > chunkOf(Math.max(from, head.start), head);
    const apply = () => {
      if (usedUp > 0) {
        const through = this.committed[usedUp - 1].end;
        this.deleteCommittedBelow.run(through);
        this.chunks.remove(this.committed[0].start, through);
      }
      if (chunksUsedUp) this.chunks.removeBelow(position);
      this.setAllocatedTo.run(position);
      this.store.touch(this);
      this.committed.splice(0, usedUp);
      this.allocatedTo = position;
      this.available -= length;
      return { ranges, bytes };
    };
    // The common allocation, inside one chunk, writes one row: no savepoint needed for it.
    return usedUp > 0 || chunksUsedUp ? this.store.write(apply) : this.store.writeOne(apply);
  }

  discardUnallocated(): number {
    return this.store.write(() => {
      this.deleteBlocks.run();
      this.chunks.clear();
      this.setValidFrom.run(this.nextStart);
      this.store.touch(this);
      this.committed = [];
      this.pending = [];
      this.available = 0;
      this.validFrom = this.nextStart;
      return this.validFrom;
    });
  }
}
