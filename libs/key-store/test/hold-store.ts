// Run as a child process by the tests: opens a store and holds it until stdin closes.
// Usage: hold-store.ts <master|slave> <dataDir>
import { openMasterKeyStore, openSlaveKeyStore } from '../src';

const [role, dataDir] = process.argv.slice(2);
const options = { dataDir, durability: 'process' as const, attachedSaeIds: [], maxActiveKeys: 10 };
const store = role === 'slave' ? openSlaveKeyStore(options) : openMasterKeyStore(options);
process.stdout.write(`ready ${store.storeId}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  store.close();
  process.exit(0);
});
