import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { decodeLinkMessage, LinkMessageType, SCHEMA_VERSION, SCHEMA_VERSION_HEADER } from '../libs/broker/src/link-messages';
import { ActiveKeyStore } from '../libs/key-pool/src/active-key-store';
const K = Number(process.argv[2] ?? 128);
const mk = () => Array.from({ length: 10 }, (_, i) => ({ epoch: 'e-123456', ranges: [{ start: i * 32 * K, end: (i + 1) * 32 * K }], keyBytes: 32, keyIds: Array.from({ length: K }, () => randomUUID()), masterSaeId: 'sae-1', slaveSaeIds: ['sae-2'] }));
const raw = () => ({ content: Buffer.from(JSON.stringify({ activations: mk() })), type: LinkMessageType.Activations, headers: { [SCHEMA_VERSION_HEADER]: SCHEMA_VERSION } });
const store = new ActiveKeyStore({ attachedSaeIds: ['sae-2'] });
const material = Buffer.alloc(32 * K);
for (let r = 0; r < 3; r++) {
  const msgs = Array.from({ length: 200 }, raw);
  let t = process.hrtime.bigint(); const decoded = msgs.map((m) => decodeLinkMessage(m));
  const d = Number(process.hrtime.bigint() - t) / 1000 / msgs.length;
  t = process.hrtime.bigint();
  for (const m of decoded) if (m.type === LinkMessageType.Activations) for (const a of m.activations) store.activate({ keyIds: a.keyIds, material, keyBytes: 32 }, a.masterSaeId, a.slaveSaeIds);
  const s = Number(process.hrtime.bigint() - t) / 1000 / msgs.length;
  console.log(`per message of 10×${K}: decode ${d.toFixed(0)} µs, activate ${s.toFixed(0)} µs (store ${store.size})`);
}
