import { KmeTestPair } from './support/kme-harness';
import {
  decKeys,
  encKeys,
  expectSameKeys,
  issued,
  pollUntil,
  type IssuedKey,
} from './support/relay';

/**
 * KEY_SEED on the real pair: two runs of the same requests hand out byte-identical keys under
 * identical key IDs, a run interrupted by a restart of the master KME included; without
 * KEY_SEED, two runs share no key ID and no key bytes.
 */

/** The requests of one run, in order: enc_keys at either KME, dec_keys at the peer. */
const REQUESTS = [
  { at: 'master', number: 3, size: 256 },
  { at: 'slave', number: 2, size: 128 },
  { at: 'master', number: 1, size: 512 },
  { at: 'slave', number: 4, size: 256 },
  { at: 'master', number: 2, size: 128 },
] as const;

/** How many of REQUESTS come before the master KME restarts, in the run that restarts it. */
const BEFORE_RESTART = 3;

const startPair = (seed: string | undefined): Promise<KmeTestPair> =>
  KmeTestPair.start({
    env: { KEY_RATE_BPS: '0', ...(seed === undefined ? {} : { KEY_SEED: seed }) },
  });

/** Runs REQUESTS on a fresh pair; optionally restarts the master KME (same store) midway. */
async function run(seed: string | undefined, restartMaster = false): Promise<IssuedKey[]> {
  const pair = await startPair(seed);
  try {
    await pair.waitForKeys(64);
    const handedOut: IssuedKey[] = [];
    for (const [index, request] of REQUESTS.entries()) {
      if (restartMaster && index === BEFORE_RESTART) {
        await pair.master.stop();
        await pair.master.start();
        // Ready: the link is synchronised again (the slave KME said hello), nothing consumed.
        const probe = pair.client('master', undefined);
        await pollUntil('the master KME to be ready again', 10_000, async () =>
          (await probe.get('/health/ready')).status === 200 ? true : undefined,
        );
        await pair.waitForKeys(64);
      }
      const [enc, dec] =
        request.at === 'master'
          ? [pair.client('master', 'sae-1'), pair.client('slave', 'sae-2')]
          : [pair.client('slave', 'sae-2'), pair.client('master', 'sae-1')];
      const [slaveSae, masterSae] =
        request.at === 'master' ? ['sae-2', 'sae-1'] : ['sae-1', 'sae-2'];
      const keys = issued(
        await encKeys(enc, slaveSae, { number: request.number, size: request.size }),
      );
      expectSameKeys(
        keys,
        issued(
          await decKeys(
            dec,
            masterSae,
            keys.map((key) => key.keyId),
          ),
        ),
      );
      handedOut.push(...keys);
    }
    if (seed !== undefined)
      expect(pair.master.output).toContain('KEY_SEED IS SET: THESE KEYS ARE NOT SECRET');
    else expect(pair.master.output).not.toContain('KEY_SEED');
    return handedOut;
  } finally {
    await pair.stop();
  }
}

const wire = (keys: readonly IssuedKey[]): string[] =>
  keys.map(({ keyId, key }) => `${keyId}=${key.toString('hex')}`);

describe('KEY_SEED', () => {
  it('two runs with the same seed and the same requests hand out the same keys and IDs, in order', async () => {
    const first = await run('e2e seed 1');
    const second = await run('e2e seed 1');
    expect(first).toHaveLength(12);
    expect(wire(second)).toEqual(wire(first));
  });

  it('a run whose master KME restarts midway hands out the same keys as one that does not', async () => {
    const straight = await run('e2e seed 2');
    const restarted = await run('e2e seed 2', true);
    expect(wire(restarted)).toEqual(wire(straight));
  });

  it('another seed gives other keys; without KEY_SEED two runs share nothing', async () => {
    const seeded = await run('e2e seed 1');
    const other = await run('e2e seed 3');
    const unseeded = [await run(undefined), await run(undefined)];
    const runs = [seeded, other, ...unseeded];
    for (let i = 0; i < runs.length; i++) {
      for (let j = i + 1; j < runs.length; j++) {
        const ids = new Set(runs[i].map((key) => key.keyId));
        const keys = new Set(runs[i].map((key) => key.key.toString('hex')));
        expect(runs[j].filter((key) => ids.has(key.keyId))).toEqual([]);
        expect(runs[j].filter((key) => keys.has(key.key.toString('hex')))).toEqual([]);
      }
    }
  });
});
