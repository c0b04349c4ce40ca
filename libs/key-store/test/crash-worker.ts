// Run as a child process by the crash test, and killed with SIGKILL at a random point: works a
// master store as a master KME does, and appends to the report file each change once it is
// committed (a synchronous write, so a report is on disk before the next change starts). On
// stdout it only says "progress" now and then: a worker blocked on a full stdout pipe would only
// ever be killed between two changes.
// Usage: crash-worker.ts <dataDir> <reportFile>
//   reserved <start> <end>      a block was reserved (pending)
//   committed <start> <end>     a block was committed
//   tx <json>                   a transaction of allocations + outbox entries committed:
//                               [{ seq, ranges }]
//   removing <seq> / removed <seq>
import { createHash, randomBytes } from 'node:crypto';
import { openSync, writeSync } from 'node:fs';
import { openMasterKeyStore } from '../src';

const store = openMasterKeyStore({
  dataDir: process.argv[2],
  durability: 'process',
  attachedSaeIds: [],
  maxActiveKeys: 1000,
});
const { material, outbox } = store;
const report = openSync(process.argv[3], 'a');
const say = (line: string) => writeSync(report, `${line}\n`);
const pick = (n: number) => Math.floor(Math.random() * n);

// What a restarted master KME does first: ship the pending blocks again, then commit them.
for (const block of material.pendingBlocks()) {
  if (material.commit(block)) say(`committed ${block.start} ${block.start + block.bytes.length}`);
}
process.stdout.write('started\n');

for (let turn = 1; ; turn++) {
  if (turn % 500 === 0) process.stdout.write('progress\n');
  if (material.availableBytes < 1024) {
    const block = material.reserve(randomBytes(1 + pick(8192)));
    const end = block.start + block.bytes.length;
    say(`reserved ${block.start} ${end}`);
    material.commit(block);
    say(`committed ${block.start} ${end}`);
    continue;
  }
  if (outbox.size > 200) {
    const [oldest] = outbox.entriesAfter(0, 1);
    const through = oldest.seq + pick(100);
    say(`removing ${through}`);
    outbox.removeThrough(through);
    say(`removed ${through}`);
    continue;
  }
  const entries = store.transaction(() =>
    Array.from({ length: 1 + pick(8) }, () => {
      const { ranges, bytes } = material.allocate(32 * (1 + pick(4)));
      const digest = createHash('sha256').update(bytes).digest('hex');
      return { seq: outbox.add(JSON.stringify({ ranges, digest })), ranges };
    }),
  );
  say(`tx ${JSON.stringify(entries)}`);
}
