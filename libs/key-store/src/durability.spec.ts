// What a file store keeps across close and reopen: everything but listeners and waiters.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import {
  KeyAccessDeniedError,
  KeysNotFoundError,
  MaterialReusedError,
  MaterialUnavailableError,
} from '@app/key-pool';
import { append, baseOptions, removeTempDirs, tempDir } from '../test/store-harness';
import {
  openMasterKeyStore,
  openSlaveKeyStore,
  type KeyStoreOptions,
  type SqliteMasterKeyStore,
  type SqliteSlaveKeyStore,
} from '.';

const open: { close(): void }[] = [];
afterEach(() => {
  for (const store of open.splice(0)) store.close();
});
afterAll(removeTempDirs);

const optionsFor = (dir: string): KeyStoreOptions => ({
  ...baseOptions(dir),
  attachedSaeIds: ['sae-b', 'sae-c'],
});

function master(dir: string): SqliteMasterKeyStore {
  const store = openMasterKeyStore(optionsFor(dir));
  open.push(store);
  return store;
}

function slave(dir: string): SqliteSlaveKeyStore {
  const store = openSlaveKeyStore(optionsFor(dir));
  open.push(store);
  return store;
}

describe('a master store reopened', () => {
  it('keeps its IDs, its material pending, committed and allocated, and its values', () => {
    const dir = tempDir();
    const before = master(dir);
    const { storeId } = before;
    const { epoch } = before.material;
    const first = append(before.material, randomBytes(10_000));
    const second = append(before.material, randomBytes(300));
    const pending = before.material.reserve(randomBytes(5000));
    const allocated = before.material.allocate(4100);
    before.values.set('peer-store', 'p-1');
    before.close();

    const after = master(dir);
    expect(after.storeId).toBe(storeId);
    expect(after.material.epoch).toBe(epoch);
    expect(after.values.get('peer-store')).toBe('p-1');
    expect(after.material.availableBytes).toBe(10_300 - 4100);
    expect(after.material.pendingBlocks()).toEqual([pending]);
    const stream = Buffer.concat([first.bytes, second.bytes]);
    const rest = after.material.allocate(10_300 - 4100);
    expect(rest.ranges).toEqual([{ epoch, start: 4100, end: 10_300 }]);
    expect(rest.bytes.equals(stream.subarray(4100))).toBe(true);
    expect(allocated.bytes.equals(stream.subarray(0, 4100))).toBe(true);
    expect(after.material.commit(pending)).toBe(true);
    expect(after.material.reserve(randomBytes(1)).start).toBe(15_300);
  });

  it('keeps a reset: blocks reserved before it stay void', () => {
    const dir = tempDir();
    const before = master(dir);
    const inFlight = before.material.reserve(randomBytes(8));
    expect(before.material.discardUnallocated()).toBe(8);
    before.close();

    const after = master(dir);
    expect(after.material.pendingBlocks()).toEqual([]);
    expect(after.material.commit(inFlight)).toBe(false);
    expect(after.material.reserve(randomBytes(4)).start).toBe(8);
  });

  it('keeps its outbox, whose sequence numbers keep increasing even once it was emptied', () => {
    const dir = tempDir();
    const before = master(dir);
    const seqs = ['a', 'b', 'c'].map((body) => before.outbox.add(body));
    before.outbox.removeThrough(seqs[0]);
    before.close();

    const middle = master(dir);
    expect(middle.outbox.size).toBe(2);
    expect(middle.outbox.entriesAfter(0, 10)).toEqual([
      { seq: seqs[1], body: 'b' },
      { seq: seqs[2], body: 'c' },
    ]);
    // Entries from before the reopen (in the table) and new ones (also in memory) read as one.
    const added = middle.outbox.add('new');
    expect(middle.outbox.entriesAfter(seqs[1], 10)).toEqual([
      { seq: seqs[2], body: 'c' },
      { seq: added, body: 'new' },
    ]);
    expect(middle.outbox.entriesAfter(seqs[2], 10)).toEqual([{ seq: added, body: 'new' }]);
    middle.outbox.removeThrough(added);
    middle.close();

    const after = master(dir);
    expect(after.outbox.size).toBe(0);
    expect(after.outbox.add('d')).toBeGreaterThan(added);
  });
});

describe('active keys reopened', () => {
  it('keep undelivered keys with the SAEs still waiting, and refuse delivered ones', () => {
    const dir = tempDir();
    const before = master(dir);
    const material = randomBytes(64);
    before.activeKeys.activate({ keyIds: ['k1', 'k2'], material, keyBytes: 32 }, 'sae-a', [
      'sae-b',
      'sae-c',
    ]);
    before.activeKeys.activate(
      { keyIds: ['f1'], material: randomBytes(32), keyBytes: 32 },
      'sae-a',
      ['sae-z'],
    );
    expect(before.activeKeys.take(['k1'], 'sae-b', 'sae-a')[0].key).toEqual(
      material.subarray(0, 32),
    );
    before.activeKeys.take(['k2'], 'sae-b', 'sae-a');
    before.activeKeys.take(['k2'], 'sae-c', 'sae-a'); // k2 delivered to everyone: gone
    before.close();

    const after = master(dir);
    expect(after.activeKeys.size).toBe(1);
    expect(after.activeKeys.known('k1')).toBe(true);
    expect(after.activeKeys.known('k2')).toBe(true);
    expect(after.activeKeys.known('f1')).toBe(true);
    expect(() => after.activeKeys.take(['k1'], 'sae-b', 'sae-a')).toThrow(KeysNotFoundError);
    expect(() => after.activeKeys.take(['k2'], 'sae-c', 'sae-a')).toThrow(KeysNotFoundError);
    expect(() => after.activeKeys.take(['f1'], 'sae-b', 'sae-a')).toThrow(KeyAccessDeniedError);
    expect(() => after.activeKeys.take(['k1'], 'sae-c', 'sae-x')).toThrow(KeyAccessDeniedError);
    expect(after.activeKeys.take(['k1'], 'sae-c', 'sae-a')[0].key).toEqual(
      material.subarray(0, 32),
    );
    expect(after.activeKeys.size).toBe(0);
    expect(() =>
      after.activeKeys.activate({ keyIds: ['k2'], material, keyBytes: 64 }, 'sae-a', ['sae-b']),
    ).toThrow('k2');
  });
});

describe('a slave store reopened', () => {
  it('keeps its era, its blocks, what was cut from them, and the gaps', () => {
    const dir = tempDir();
    const before = slave(dir);
    const { storeId } = before;
    before.material.reset('e', 100);
    const blocks = [randomBytes(50), randomBytes(50), randomBytes(50)];
    before.material.add({ epoch: 'e', start: 100, bytes: blocks[0] });
    before.material.add({ epoch: 'e', start: 150, bytes: blocks[1] });
    before.material.add({ epoch: 'e', start: 220, bytes: blocks[2] }); // [200, 220) skipped
    before.material.cut([{ epoch: 'e', start: 100, end: 150 }]); // block 0 used up, released
    before.material.cut([{ epoch: 'e', start: 160, end: 170 }]);
    before.applied.add('message-1');
    before.values.set('peer', 'm');
    before.close();

    const after = slave(dir);
    const range = (start: number, end: number) => ({ epoch: 'e', start, end });
    expect(after.storeId).toBe(storeId);
    expect(after.material.epoch).toBe('e');
    expect(after.material.receivedEnd).toBe(270);
    expect(after.material.availableBytes).toBe(90);
    expect(after.applied.has('message-1')).toBe(true);
    expect(after.values.get('peer')).toBe('m');
    expect(after.material.holds(range(100, 200))).toBe(true);
    expect(after.material.holds(range(190, 230))).toBe(false);
    expect(() => after.material.cut([range(120, 130)])).toThrow(MaterialReusedError);
    expect(() => after.material.cut([range(165, 175)])).toThrow(MaterialReusedError);
    expect(() => after.material.cut([range(205, 210)])).toThrow(MaterialUnavailableError);
    expect(after.material.add({ epoch: 'e', start: 100, bytes: blocks[0] })).toBe(false);
    expect(after.material.add({ epoch: 'e', start: 200, bytes: randomBytes(20) })).toBe(false);
    expect(after.material.cut([range(150, 160), range(170, 200)])).toEqual(
      Buffer.concat([blocks[1].subarray(0, 10), blocks[1].subarray(20)]),
    );
    expect(after.material.cut([range(220, 270)])).toEqual(blocks[2]);
    expect(after.material.availableBytes).toBe(0);
  });

  it('keeps a new era chosen by a reset', () => {
    const dir = tempDir();
    const before = slave(dir);
    before.material.reset('old', 0);
    before.material.add({ epoch: 'old', start: 0, bytes: randomBytes(8) });
    before.material.reset('new', 40);
    before.close();

    const after = slave(dir);
    expect(after.material.epoch).toBe('new');
    expect(after.material.receivedEnd).toBe(40);
    expect(after.material.availableBytes).toBe(0);
    expect(after.material.add({ epoch: 'new', start: 40, bytes: randomBytes(8) })).toBe(true);
  });
});

describe('the files of a store', () => {
  it('are private to the KME: directory 0700, database 0600, no shared-memory file', () => {
    const dir = path.join(tempDir(), 'data');
    const store = master(dir);
    append(store.material, randomBytes(100_000)); // enough to leave a WAL behind
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const file = path.join(dir, 'master-kme.sqlite');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(`${file}-wal`)).toBe(true);
    expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['master-kme.sqlite', 'master-kme.sqlite-wal']);
    store.close();
    expect(readdirSync(dir)).toEqual(['master-kme.sqlite']); // checkpointed on close
  });
});
