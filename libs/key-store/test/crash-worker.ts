// Run as a child process by the crash test, and killed with SIGKILL at a random point: works a
// master store as a master KME does, and reports on stdout each change once it is committed.
// Usage: crash-worker.ts <dataDir>
//   reserved <start> <end>      a block was reserved (pending)
//   committed <start> <end>     a block was committed
//   tx <json>                   a transaction of allocations + outbox entries committed:
//                               [{ seq, ranges }]
//   removing <seq> / removed <seq>
import { createHash, randomBytes } from 'node:crypto';
import { openMasterKeyStore } from '../src';

const store = openMasterKeyStore({
  dataDir: process.argv[2],
  durability: 'process',
  attachedSaeIds: [],
  maxActiveKeys: 1000,
});
const { material, outbox } = store;
const say = (line: string) => process.stdout.write(`${line}\n`);
const pick = (n: number) => Math.floor(Math.random() * n);

// What a restarted master KME does first: ship the pending blocks again, then commit them.
for (const block of material.pendingBlocks()) {
  if (material.commit(block)) say(`committed ${block.start} ${block.start + block.bytes.length}`);
}
say('started');

for (;;) {
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
