import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { loadKmeSettings } from '@app/config';
import { openMasterKeyStore, type SqliteMasterKeyStore } from '@app/key-store';
import { FileKeySource } from './file-key-source';

const storeOf = (): SqliteMasterKeyStore =>
  openMasterKeyStore({
    dataDir: ':memory:',
    durability: 'process',
    attachedSaeIds: ['sae-1'],
    maxActiveKeys: 1_000,
  });

describe('FileKeySource', () => {
  let dir: string;
  let store: SqliteMasterKeyStore;

  const sourceOf = (on: SqliteMasterKeyStore = store): FileKeySource =>
    new FileKeySource(
      loadKmeSettings('master', { KEY_SOURCE: 'files', KEY_FILES_DIR: dir }, () => true),
      on,
    );

  /** Takes up to `max` bytes and keeps them, as the material shipper does: in a transaction. */
  async function takeAndKeep(source: FileKeySource, max: number): Promise<Buffer> {
    const bytes = await source.take(max);
    store.transaction(() => source.taken(bytes.length));
    return bytes;
  }

  /** Everything the source gives, `chunk` bytes at a time, until it gives nothing. */
  async function drain(source: FileKeySource, chunk: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (;;) {
      const bytes = await takeAndKeep(source, chunk);
      if (bytes.length === 0) return Buffer.concat(parts);
      expect(bytes.length).toBeLessThanOrEqual(chunk);
      parts.push(bytes);
    }
  }

  const write = (name: string, bytes: Buffer): Buffer => {
    writeFileSync(join(dir, name), bytes);
    return bytes;
  };

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'file-key-source-'));
    store = storeOf();
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the files as one stream in the order of their names, across their boundaries', async () => {
    // Written out of order, of sizes that chunks of 7 straddle.
    const c = write('c.bin', randomBytes(29));
    const a = write('a.bin', randomBytes(10));
    const b = write('b.bin', randomBytes(1));
    const source = sourceOf();
    expect(await drain(source, 7)).toEqual(Buffer.concat([a, b, c]));
  });

  it('reads everything in one take when asked for more than there is', async () => {
    const a = write('a', randomBytes(100));
    const b = write('b', randomBytes(50));
    const source = sourceOf();
    expect(await takeAndKeep(source, 1_000_000)).toEqual(Buffer.concat([a, b]));
    expect((await source.take(1_000_000)).length).toBe(0);
  });

  it('skips hidden files and directories', async () => {
    const a = write('a.bin', randomBytes(20));
    write('.b-hidden', randomBytes(20));
    mkdirSync(join(dir, 'b-dir'));
    writeFileSync(join(dir, 'b-dir', 'inside.bin'), randomBytes(20));
    const c = write('c.bin', randomBytes(20));
    expect(await drain(sourceOf(), 16)).toEqual(Buffer.concat([a, c]));
  });

  it('never returns more than it is asked for', async () => {
    const stream = write('a.bin', randomBytes(300));
    const source = sourceOf();
    let offset = 0;
    for (const max of [0, 1, 2, 5, 64, 3, 100, 1, 77, 500]) {
      const bytes = await takeAndKeep(source, max);
      expect(bytes.length).toBe(Math.min(max, stream.length - offset));
      expect(bytes).toEqual(stream.subarray(offset, offset + bytes.length));
      offset += bytes.length;
    }
    expect(offset).toBe(stream.length);
  });

  it('moves on only when told that the bytes were taken', async () => {
    const stream = write('a.bin', randomBytes(64));
    const source = sourceOf();
    const first = await source.take(16);
    // Not kept: the same bytes again, from this instance and from a new one.
    expect(await source.take(16)).toEqual(first);
    expect(await sourceOf().take(16)).toEqual(first);
    store.transaction(() => source.taken(first.length));
    expect(first).toEqual(stream.subarray(0, 16));
    expect(await source.take(16)).toEqual(stream.subarray(16, 32));
  });

  it('keeps its position in the store: a new instance on the same store continues', async () => {
    const stream = write('a.bin', randomBytes(100));
    const kept = await takeAndKeep(sourceOf(), 30);
    expect(kept).toEqual(stream.subarray(0, 30));
    const again = sourceOf();
    expect(again.describe()).toContain('30 bytes read');
    expect(await takeAndKeep(again, 30)).toEqual(stream.subarray(30, 60));
    // Another store knows nothing of it: its own source starts at the beginning.
    const other = storeOf();
    try {
      expect(await sourceOf(other).take(30)).toEqual(stream.subarray(0, 30));
    } finally {
      other.close();
    }
  });

  it('keeps no position from a transaction that was rolled back', async () => {
    const stream = write('a.bin', randomBytes(100));
    await takeAndKeep(sourceOf(), 10);
    const source = sourceOf();
    const bytes = await source.take(20);
    expect(() =>
      store.transaction(() => {
        source.taken(bytes.length);
        throw new Error('the block could not be reserved');
      }),
    ).toThrow('the block could not be reserved');
    // Those bytes were never kept, so they may be handed out after a restart: nothing repeats.
    expect(await sourceOf().take(20)).toEqual(stream.subarray(10, 30));
  });

  it('reads files added later once their turn comes', async () => {
    const a = write('a.bin', randomBytes(40));
    const source = sourceOf();
    expect(await drain(source, 25)).toEqual(a);
    const b = write('b.bin', randomBytes(33));
    const c = write('c.bin', randomBytes(7));
    expect(await drain(source, 25)).toEqual(Buffer.concat([b, c]));
  });

  it('gives an empty buffer when the files are used up, or there are none', async () => {
    expect((await sourceOf().take(10)).length).toBe(0);
    write('a.bin', randomBytes(12));
    const source = sourceOf();
    expect((await takeAndKeep(source, 10)).length).toBe(10);
    expect((await takeAndKeep(source, 10)).length).toBe(2);
    const empty = await source.take(10);
    expect(Buffer.isBuffer(empty)).toBe(true);
    expect(empty.length).toBe(0);
    expect((await source.take(10)).length).toBe(0);
  });
});
