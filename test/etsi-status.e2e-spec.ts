import type { Role } from './support/kme-harness';
import { KmeTestPair } from './support/kme-harness';
import {
  FOUR_SAE_PAIR,
  KME_ID,
  KME_OF,
  encKeys,
  eventually,
  statusPath,
  type Status,
} from './support/etsi';

/** Settings that differ from the defaults, so that "as configured" means something. */
const CONFIGURED = {
  MIN_KEY_SIZE: '64',
  MAX_KEY_SIZE: '2048',
  DEFAULT_KEY_SIZE: '256',
  MAX_KEY_COUNT: '300',
  MAX_KEYS_PER_REQUEST: '50',
  MAX_SAE_ID_COUNT: '3',
};

const TABLE_9_FIELDS = [
  'key_size',
  'master_SAE_ID',
  'max_SAE_ID_count',
  'max_key_count',
  'max_key_per_request',
  'max_key_size',
  'min_key_size',
  'slave_SAE_ID',
  'source_KME_ID',
  'stored_key_count',
  'target_KME_ID',
];

/** Every (caller, slave SAE) pair of distinct SAEs in FOUR_SAE_PAIR. */
const SAE_PAIRS = ['sae-1', 'sae-2', 'sae-3', 'sae-4'].flatMap((caller) =>
  ['sae-1', 'sae-2', 'sae-3', 'sae-4']
    .filter((slave) => slave !== caller)
    .map((slave) => ({ caller, slave, kme: KME_OF[caller] })),
);

/** ETSI GS QKD 014 §5.2 / Table 9: Get status. */
describe('ETSI status (Get status)', () => {
  let pair: KmeTestPair;

  beforeAll(async () => {
    pair = await KmeTestPair.start({
      ...FOUR_SAE_PAIR,
      env: { ...CONFIGURED, KEY_RATE_BPS: '0' },
    });
    await pair.waitForKeys(1);
  });

  afterAll(() => pair.stop());

  const status = async (kme: Role, caller: string, slave: string): Promise<Status> => {
    const answer = await pair.client(kme, caller).get<Status>(statusPath(slave));
    if (answer.status !== 200) {
      throw new Error(`status ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    expect(String(answer.headers['content-type'])).toMatch(/^application\/json/);
    return answer.body;
  };

  it.each(SAE_PAIRS)(
    '$caller at its KME, slave SAE $slave: every Table 9 field, source and target KME right',
    async ({ caller, slave, kme }) => {
      const body = await status(kme, caller, slave);
      expect(Object.keys(body).sort()).toEqual(TABLE_9_FIELDS);
      expect(body).toEqual({
        source_KME_ID: KME_ID[kme],
        // The target KME is the KME the slave SAE is attached to, this one included.
        target_KME_ID: KME_ID[KME_OF[slave]],
        master_SAE_ID: caller,
        slave_SAE_ID: slave,
        key_size: 256,
        stored_key_count: expect.any(Number) as number,
        max_key_count: 300,
        max_key_per_request: 50,
        max_key_size: 2048,
        min_key_size: 64,
        max_SAE_ID_count: 3,
      });
      for (const field of TABLE_9_FIELDS.filter((name) => !name.endsWith('_ID'))) {
        expect(Number.isInteger(body[field as keyof Status])).toBe(true);
      }
      expect(body.stored_key_count).toBeGreaterThanOrEqual(0);
      expect(body.stored_key_count).toBeLessThanOrEqual(body.max_key_count);
    },
  );

  it.each(['master', 'slave'] as const)(
    'the %s KME reports stored_key_count = max_key_count once its pool is full',
    async (kme) => {
      const caller = kme === 'master' ? 'sae-1' : 'sae-2';
      const slave = kme === 'master' ? 'sae-2' : 'sae-1';
      const full = await eventually(
        () => status(kme, caller, slave),
        (body) => body.stored_key_count === body.max_key_count,
      );
      expect(full.stored_key_count).toBe(300);
      // It stays capped: the source does not overfill, however long it runs.
      for (let i = 0; i < 5; i++) {
        expect((await status(kme, caller, slave)).stored_key_count).toBe(300);
      }
    },
  );

  it('stored_key_count never exceeds max_key_count while keys are taken and refilled', async () => {
    const seen: number[] = [];
    const take = Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        encKeys(
          pair.client(i % 2 === 0 ? 'master' : 'slave', i % 2 === 0 ? 'sae-1' : 'sae-2'),
          i % 2 === 0 ? 'sae-2' : 'sae-1',
          {
            number: 20,
            size: 256,
          },
        ),
      ),
    );
    const watch = (async () => {
      for (let i = 0; i < 20; i++) {
        const [master, slave] = await Promise.all([
          status('master', 'sae-3', 'sae-4'),
          status('slave', 'sae-4', 'sae-3'),
        ]);
        seen.push(master.stored_key_count, slave.stored_key_count);
      }
    })();
    await Promise.all([take, watch]);
    expect(Math.max(...seen)).toBeLessThanOrEqual(300);
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(0);
  });

  it('stored_key_count is the same for every SAE pairing of a KME (one shared pool)', async () => {
    await eventually(
      async () =>
        Promise.all(SAE_PAIRS.map(({ caller, slave, kme }) => status(kme, caller, slave))),
      (all) => all.every((body) => body.stored_key_count === 300),
    );
  });
});
