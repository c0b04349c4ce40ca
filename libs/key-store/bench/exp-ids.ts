import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openMasterKeyStore, openSlaveKeyStore } from '../src';

let counter = 0;
const v7 = () => {
  const ms = Date.now().toString(16).padStart(12, '0');
  const c = (counter++ & 0xffffff).toString(16).padStart(6, '0');
  const r = randomBytes(8).toString('hex');
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${c.slice(0, 3)}-${(8 | (parseInt(c[3], 16) & 3)).toString(16)}${c.slice(4)}${r[0]}-${r.slice(1, 13)}`;
};
const gen = process.argv[2] === 'v7' ? v7 : randomUUID;
const role = process.argv[3] ?? 'master';
const dir = process.argv[4] === 'mem' ? ':memory:' : mkdtempSync(path.join(tmpdir(), 'expids-'));
const opts = { dataDir: dir, durability: 'process' as const, attachedSaeIds: ['sae-b'], maxActiveKeys: 5_000_000 };
const store: any = role === 'master' ? openMasterKeyStore(opts) : openSlaveKeyStore(opts);
if (process.env.NOCHECK) store.activeKeys.selectAnyKnown = { get: () => undefined };
const slaves = role === 'master' ? ['sae-x'] : ['sae-b'];
const material = randomBytes(32 * 128);
const one = () => {
  const keyIds = Array.from({ length: 128 }, gen);
  store.transaction(() => store.activeKeys.activate({ keyIds, material, keyBytes: 32 }, 'sae-a', slaves));
};
for (let i = 0; i < 2000; i++) one(); // 256k keys first
const N = 1000;
const t = process.hrtime.bigint();
for (let i = 0; i < N; i++) one();
console.log(gen === v7 ? 'v7' : 'v4', role, dir === ':memory:' ? 'mem' : 'file', (Number(process.hrtime.bigint() - t) / 1e6 / N).toFixed(3), 'ms per 128-key activation', v7());
