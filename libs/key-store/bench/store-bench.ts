// Micro-benchmark of the key store (not a test): µs per operation of the request paths, for
// ':memory:' and a file with each durability. Run:
//   npx ts-node --transpile-only -r tsconfig-paths/register libs/key-store/bench/store-bench.ts \
//     [--keys N] [--dir DIR]
// --keys N first stores N undelivered 256-bit keys and N × 32 bytes of material (and reports the
// resident memory after a GC when run with --expose-gc), so that the figures are those of a full
// store rather than an empty one; --dir puts the files in DIR
// (default: the system's temporary directory; put it on the disk the KMEs will use).
import { randomBytes, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { v7 as timeOrderedUuid } from 'uuid';
import {
  openMasterKeyStore,
  openSlaveKeyStore,
  type Durability,
  type KeyStoreOptions,
  type SqliteMasterKeyStore,
} from '../src';

interface Target {
  readonly name: string;
  readonly dataDir: () => string;
  readonly durability: Durability;
  /** Fewer rounds where each commit costs an fsync. */
  readonly scale: number;
}

const args = process.argv.slice(2);
const argument = (name: string): string | undefined => {
  const index = args.indexOf(name);
  return index < 0 ? undefined : args[index + 1];
};
const storedKeys = Number(argument('--keys') ?? 0);
const root = argument('--dir') ?? tmpdir();

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(path.join(root, 'store-bench-'));
  dirs.push(dir);
  return dir;
};

const TARGETS: readonly Target[] = [
  { name: ':memory:', dataDir: () => ':memory:', durability: 'process', scale: 1 },
  { name: 'file, durability=process', dataDir: freshDir, durability: 'process', scale: 1 },
  { name: 'file, durability=power', dataDir: freshDir, durability: 'power', scale: 0.1 },
];

const ACTIVATION_BODY = JSON.stringify({
  id: randomUUID(),
  epoch: randomUUID(),
  ranges: [{ start: 123_456_789, end: 123_456_821 }],
  keyIds: [randomUUID()],
  keyBytes: 32,
  masterSaeId: 'sae-master-0001',
  slaveSaeIds: ['sae-slave-0001'],
  at: new Date().toISOString(),
  padding: 'x'.repeat(60),
}); // ~300 bytes, like an activation message

/** µs per operation: the median of `runs` timings of `count` operations each. */
function measure(count: number, runs: number, op: (i: number) => void, between?: () => void) {
  const perOp: number[] = [];
  let i = 0;
  for (let run = 0; run < runs; run++) {
    between?.();
    const start = process.hrtime.bigint();
    for (let n = 0; n < count; n++) op(i++);
    perOp.push(Number(process.hrtime.bigint() - start) / 1000 / count);
  }
  perOp.sort((a, b) => a - b);
  return perOp[Math.floor(perOp.length / 2)];
}

function fillMaterial(store: SqliteMasterKeyStore, bytes: number): void {
  while (store.material.availableBytes < bytes) {
    store.material.commit(store.material.reserve(randomBytes(64 * 1024)));
  }
}

function storeKeys(store: SqliteMasterKeyStore, count: number): void {
  for (let done = 0; done < count; done += 1000) {
    const keyIds = Array.from({ length: Math.min(1000, count - done) }, () => timeOrderedUuid());
    const material = randomBytes(32 * keyIds.length);
    store.activeKeys.activate({ keyIds, material, keyBytes: 32 }, 'sae-a', ['sae-b']);
  }
}

/** Resident memory in MiB, after a GC when run with --expose-gc (else it includes garbage). */
function residentMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 1024 / 1024;
}

const options = (target: Target): KeyStoreOptions => ({
  dataDir: target.dataDir(),
  durability: target.durability,
  attachedSaeIds: ['sae-b'],
  maxActiveKeys: Math.max(2_000_000, storedKeys * 2),
});

function benchMaster(target: Target) {
  const before = residentMiB();
  const store = openMasterKeyStore(options(target));
  const rounds = Math.max(1, Math.round(2000 * target.scale));
  if (storedKeys > 0) storeKeys(store, storedKeys);
  fillMaterial(store, 32 * rounds * 40 + 32 * storedKeys + 1);
  const rss = residentMiB() - before;
  const drain = () => {
    const last = store.outbox.entriesAfter(0, Number.MAX_SAFE_INTEGER).at(-1);
    if (last !== undefined) store.outbox.removeThrough(last.seq);
  };
  const encKeys = () => {
    store.material.allocate(32);
    store.outbox.add(ACTIVATION_BODY);
  };
  const single = measure(rounds, 7, () => store.transaction(encKeys), drain);
  const batched =
    measure(
      Math.max(1, Math.round(rounds / 32)) * 4,
      7,
      () =>
        store.transaction(() => {
          for (let k = 0; k < 32; k++) encKeys();
        }),
      drain,
    ) / 32;
  // Time-ordered IDs as the master KME makes them, made before the timing (that is the
  // allocator's work, not the store's).
  const material = randomBytes(32);
  const singleIds = Array.from({ length: rounds * 7 }, () => timeOrderedUuid());
  const activateTake = measure(rounds, 7, (i) => {
    const keyId = singleIds[i];
    store.activeKeys.activate({ keyIds: [keyId], material, keyBytes: 32 }, 'sae-a', ['sae-b']);
    store.activeKeys.take([keyId], 'sae-b', 'sae-a');
  });
  // 128-key requests: each batch of time-ordered IDs is one run (key-runs.ts).
  const batchRounds = Math.max(1, Math.round(rounds / 10));
  const material128 = randomBytes(128 * 32);
  const batches = Array.from({ length: batchRounds * 7 * 2 }, () =>
    Array.from({ length: 128 }, () => timeOrderedUuid()),
  );
  const foreign128 = measure(batchRounds, 7, (i) => {
    const batch = { keyIds: batches[i], material: material128, keyBytes: 32 };
    store.activeKeys.activate(batch, 'sae-a', ['sae-other-kme']);
  });
  const activateTake128 = measure(batchRounds, 7, (i) => {
    const keyIds = batches[batchRounds * 7 + i];
    store.activeKeys.activate({ keyIds, material: material128, keyBytes: 32 }, 'sae-a', ['sae-b']);
    store.activeKeys.take(keyIds, 'sae-b', 'sae-a');
  });
  store.close();
  return { single, batched, activateTake, foreign128, activateTake128, rss };
}

function benchSlave(target: Target) {
  const store = openSlaveKeyStore(options(target));
  store.material.reset('bench', 0);
  const block = randomBytes(64 * 1024);
  let next = 0;
  const rounds = Math.max(1, Math.round(200 * target.scale));
  const add = measure(rounds, 7, () => {
    store.material.add({ epoch: 'bench', start: next, bytes: block });
    next += block.length;
  });
  let cutAt = 0;
  const cuts = Math.max(1, Math.round(2000 * target.scale));
  const cut = measure(cuts, 7, () => {
    store.material.cut([{ epoch: 'bench', start: cutAt, end: cutAt + 32 }]);
    cutAt += 32;
  });
  store.close();
  return { add, cut };
}

/** One target's figures, measured in a process of its own so that its memory is its own. */
interface Figures {
  readonly single: number;
  readonly batched: number;
  readonly activateTake: number;
  readonly foreign128: number;
  readonly activateTake128: number;
  readonly add: number;
  readonly cut: number;
  readonly rss: number;
}

function runTarget(index: number): Figures {
  const target = TARGETS[index];
  try {
    return { ...benchMaster(target), ...benchSlave(target) };
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

const only = argument('--target');
if (only !== undefined) {
  process.stdout.write(JSON.stringify(runTarget(Number(only))));
} else {
  const rows: string[][] = [
    [
      'target',
      'enc_keys, own tx',
      'enc_keys, 32 per tx',
      'activate+take',
      '128 foreign',
      '128 activate+take',
      'replica add 64 KiB',
      'replica cut 32 B',
      'RSS added',
    ],
  ];
  const f = (us: number) => `${us.toFixed(1)} µs`;
  TARGETS.forEach((target, index) => {
    const output = execFileSync(
      process.execPath,
      [...process.execArgv, __filename, ...args, '--target', String(index)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const figures = JSON.parse(output) as Figures;
    rows.push([
      target.name,
      f(figures.single),
      f(figures.batched),
      f(figures.activateTake),
      f(figures.foreign128),
      f(figures.activateTake128),
      f(figures.add),
      f(figures.cut),
      `${Math.round(figures.rss)} MiB`,
    ]);
  });
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  console.log(
    `key store micro-benchmark (node ${process.version}${storedKeys > 0 ? `, ${storedKeys} keys and ${storedKeys * 32} bytes of material stored first` : ''}; files in ${root})`,
  );
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  '));
}
