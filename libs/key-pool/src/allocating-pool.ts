import { InsufficientKeyMaterialError } from './errors';
import type { MaterialBlock } from './material';
import type { Allocation } from './store/key-store.ports';

/**
 * The master KME's view of the shared material: a FIFO of shipped blocks from which it hands out
 * bytes in stream order. Allocation only moves forward, so no byte can be handed out twice.
 */
export class AllocatingPool {
  private readonly blocks: MaterialBlock[] = [];
  /** Index into blocks[0].bytes of the first unallocated byte. */
  private headOffset = 0;
  private available = 0;
  /** Stream offset the next reserved block starts at. */
  private nextStart = 0;
  /** Blocks reserved before this offset were voided by a reset and are never committed. */
  private validFrom = 0;
  /** End of the last committed block: a block starting before it was committed already. */
  private committedEnd = 0;

  constructor(readonly epoch: string) {}

  get availableBytes(): number {
    return this.available;
  }

  /** Gives the next stream position to a block about to be shipped to the peer. */
  reserve(bytes: Buffer): MaterialBlock {
    const block: MaterialBlock = { epoch: this.epoch, start: this.nextStart, bytes };
    this.nextStart += bytes.length;
    return block;
  }

  /**
   * Makes a shipped block allocatable. Returns false, keeping nothing, when the pool was reset
   * after the block was reserved. Blocks must be committed in the order they were reserved.
   */
  commit(block: MaterialBlock): boolean {
    if (block.epoch !== this.epoch || block.start < this.validFrom) return false;
    if (block.start < this.committedEnd) {
      throw new Error(`block at ${block.start} committed out of order`);
    }
    this.blocks.push(block);
    this.committedEnd = block.start + block.bytes.length;
    this.available += block.bytes.length;
    return true;
  }

  /** Reserves and commits at once, for material that needs no shipping confirmation. */
  append(bytes: Buffer): MaterialBlock {
    const block = this.reserve(bytes);
    this.commit(block);
    return block;
  }

  /**
   * Forgets every unallocated byte, and every block reserved but not yet committed, because the
   * peer lost its copy. Returns the stream offset from which material is valid again.
   */
  discardUnallocated(): number {
    this.blocks.length = 0;
    this.headOffset = 0;
    this.available = 0;
    this.validFrom = this.nextStart;
    return this.validFrom;
  }

  allocate(length: number): Allocation {
    if (!Number.isInteger(length) || length <= 0) {
      throw new RangeError(`allocation length must be a positive integer, got ${length}`);
    }
    if (length > this.available) throw new InsufficientKeyMaterialError(length, this.available);

    const bytes = Buffer.allocUnsafe(length);
    const ranges: { epoch: string; start: number; end: number }[] = [];
    let copied = 0;
    while (copied < length) {
      const head = this.blocks[0];
      const take = Math.min(length - copied, head.bytes.length - this.headOffset);
      const start = head.start + this.headOffset;
      head.bytes.copy(bytes, copied, this.headOffset, this.headOffset + take);
      const previous = ranges[ranges.length - 1];
      if (previous !== undefined && previous.end === start) previous.end += take;
      else ranges.push({ epoch: this.epoch, start, end: start + take });
      copied += take;
      this.headOffset += take;
      if (this.headOffset === head.bytes.length) {
        this.blocks.shift();
        this.headOffset = 0;
      }
    }
    this.available -= length;
    return { ranges, bytes };
  }
}
