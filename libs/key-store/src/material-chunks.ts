import type Database from 'better-sqlite3';
import { CHUNK_BYTES } from './schema';

/**
 * The bytes of a material stream kept in a table of chunks keyed by stream offset, each chunk
 * inside one block. A read copies only the asked bytes out of the chunks (substr), so the JS
 * heap never holds material beyond the keys being cut.
 */
export class MaterialChunks {
  private readonly insert: Database.Statement<[number, Buffer]>;
  private readonly select: Database.Statement<
    [number, number, number, number, number, number],
    Buffer
  >;
  private readonly deleteFrom: Database.Statement<[number, number]>;
  private readonly deleteWhollyBelow: Database.Statement<[number, number]>;
  private readonly deleteAll: Database.Statement<[]>;

  constructor(db: Database.Database, table: 'master_chunk' | 'replica_chunk') {
    this.insert = db.prepare(`INSERT INTO ${table} (start, bytes) VALUES (?, ?)`);
    this.select = db.prepare(
      `SELECT substr(bytes, max(? - start, 0) + 1, min(start + length(bytes), ?) - max(start, ?))
       FROM ${table} WHERE start > ? AND start < ? AND start + length(bytes) > ? ORDER BY start`,
    );
    this.select.pluck();
    this.deleteFrom = db.prepare(`DELETE FROM ${table} WHERE start >= ? AND start < ?`);
    this.deleteWhollyBelow = db.prepare(
      `DELETE FROM ${table} WHERE start < ? AND start + length(bytes) <= ?`,
    );
    this.deleteAll = db.prepare(`DELETE FROM ${table}`);
  }

  /** Stores the bytes of a block that starts at stream offset `start`. */
  store(start: number, bytes: Buffer): void {
    for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
      this.insert.run(start + offset, bytes.subarray(offset, offset + CHUNK_BYTES));
    }
  }

  /** Copies stream bytes [start, end) into `out` at `at`; every byte must be stored. */
  copy(start: number, end: number, out: Buffer, at: number): void {
    let written = 0;
    for (const piece of this.select.all(start, end, start, start - CHUNK_BYTES, end, start)) {
      piece.copy(out, at + written);
      written += piece.length;
    }
    if (written !== end - start) {
      // The in-memory index said these bytes are here: the database disagrees.
      throw new Error(`material [${start}, ${end}) is missing from the store`);
    }
  }

  /** The stream bytes [start, end), every one of which must be stored. */
  read(start: number, end: number): Buffer {
    const out = Buffer.allocUnsafe(end - start);
    this.copy(start, end, out, 0);
    return out;
  }

  /** Forgets the chunks starting in [start, end): a whole block, or several adjacent ones. */
  remove(start: number, end: number): void {
    this.deleteFrom.run(start, end);
  }

  /** Forgets the chunks whose every byte lies below `offset` (handed out already). */
  removeBelow(offset: number): void {
    this.deleteWhollyBelow.run(offset, offset);
  }

  clear(): void {
    this.deleteAll.run();
  }
}
