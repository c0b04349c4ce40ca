import { randomUUID } from 'node:crypto';
import type { AllocationRequestDto, LinkSyncRequestDto } from '@app/internal-client';
import { KmeTestPair, type HttpAnswer, type HttpsClient } from './support/kme-harness';
import {
  FAST_LINK_ENV,
  MASTER_TO_SLAVE,
  RoundTripper,
  SLAVE_TO_MASTER,
  isErrorBody,
  pollUntil,
  show,
  withKmeLogs,
} from './support/relay';

const SYNC = '/api/internal/v1/link/sync';
const ALLOCATIONS = '/api/internal/v1/allocations';
const BARRIER = '/api/internal/v1/link/barrier';

const syncBody = (slaveStoreId: string): LinkSyncRequestDto => ({
  slaveStoreId,
  consuming: true,
  receivedEnd: 0,
});
/** A valid allocation call, typed by the contract so that a change of it shows here. */
const allocationBody = (slaveStoreId: string): AllocationRequestDto => ({
  slaveStoreId,
  requests: [{ masterSaeId: 'sae-2', slaveSaeIds: ['sae-1'], number: 4, size: 256 }],
});

/** A refusal that carries nothing but an ETSI Error body: no epoch, ranges, IDs or keys. */
function expectRefused(answer: HttpAnswer, what: string): void {
  if (answer.status !== 401 || !isErrorBody(answer.body)) {
    throw new Error(`${what}: expected 401 and only an ETSI Error body, got ${show(answer)}`);
  }
}

/**
 * Asks every KME-to-KME route of the master KME, as a slave KME store that does not exist, and
 * expects each to refuse `who`.
 */
async function expectInternalApiRefused(
  client: HttpsClient,
  who: string,
  madeUpRun: string,
): Promise<void> {
  expectRefused(await client.post(SYNC, syncBody(madeUpRun)), `${who} ${SYNC}`);
  expectRefused(await client.post(ALLOCATIONS, allocationBody(madeUpRun)), `${who} ${ALLOCATIONS}`);
  expectRefused(await client.post(BARRIER, { id: randomUUID() }), `${who} ${BARRIER}`);
}

/**
 * Its own pair: the accepted sync below starts a new era of the link. The master KME logs at
 * info level so that a sync reaching the link would show in its output.
 */
describe('the KME-to-KME API of the master KME admits only the peer KME', () => {
  let pair: KmeTestPair;

  beforeAll(async () => {
    pair = await KmeTestPair.start({ env: FAST_LINK_ENV, masterEnv: { LOG_LEVEL: 'info' } });
    await pair.waitForKeys(10);
    // The real slave KME's run was synchronised, and the master KME said so.
    expect(pair.master.output).toMatch(/slave KME store \S+ synchronised/);
  });

  afterAll(() => pair?.stop());

  it.each(['sae-1', 'sae-2', 'sae-3', 'sae-4'])(
    "an SAE's certificate (%s): 401 on every route, and nothing reaches the link",
    (sae) =>
      withKmeLogs(pair, async () => {
        const madeUpRun = `intruder-${randomUUID()}`;
        await expectInternalApiRefused(pair.client('master', sae), sae, madeUpRun);
        expect(pair.master.output).not.toContain(madeUpRun);
      }),
  );

  it.each([
    ['kme-3, a KME of another pair', 'kme-3'],
    ['kme-1, the master KME itself', 'kme-1'],
  ])('the certificate of %s: 401 on every route', (_what, name) =>
    withKmeLogs(pair, async () => {
      const madeUpRun = `intruder-${randomUUID()}`;
      await expectInternalApiRefused(pair.client('master', name), name, madeUpRun);
      expect(pair.master.output).not.toContain(madeUpRun);
    }),
  );

  it('no certificate, or one from another CA: 401 on every route', async () => {
    for (const [what, client] of [
      ['no certificate', pair.client('master', undefined)],
      ['an untrusted CA', pair.foreignClient('master')],
    ] as const) {
      await expectInternalApiRefused(client, what, `intruder-${randomUUID()}`);
    }
  });

  it("the peer KME's certificate cannot use the ETSI API as an SAE", async () => {
    expectRefused(await pair.client('master', 'kme-2').get('/api/v1/keys/sae-2/status'), 'kme-2');
    expectRefused(await pair.client('slave', 'kme-1').get('/api/v1/keys/sae-1/status'), 'kme-1');
  });

  it("the peer KME's certificate (kme-2) is accepted; the real slave KME then takes the link back", () =>
    withKmeLogs(pair, async () => {
      const kme2 = pair.client('master', 'kme-2');

      // Past the guard, a call that breaks the contract is a 400 naming the member.
      const malformed = await kme2.post(ALLOCATIONS, {
        ...allocationBody(`stranger-${randomUUID()}`),
        requests: [{ masterSaeId: 'sae-2', number: 1, size: 256 }],
      });
      expect(show(malformed)).toMatch(/^400 .*requests\/0\/slaveSaeIds is missing/);
      expect(isErrorBody(malformed.body)).toBe(true);

      // An unknown run may not allocate (503), but it is not refused as a caller.
      const early = await kme2.post(ALLOCATIONS, allocationBody(`stranger-${randomUUID()}`));
      expect(show(early)).toMatch(/^503 .*not synchronised/);

      const madeUpRun = `stranger-${randomUUID()}`;
      const sync = await kme2.post<{ epoch: string; reset: boolean }>(SYNC, syncBody(madeUpRun));
      expect(show(sync)).toMatch(/^200 /);
      // The epoch, the reset underway, and the simulated link for the slave KME: nothing else.
      expect(Object.keys(sync.body).sort()).toEqual(['epoch', 'reset', 'simulation']);
      expect(sync.body.reset).toBe(true);
      await pollUntil('the master KME logging the new era', 5_000, () =>
        Promise.resolve(pair.master.output.includes(madeUpRun) || undefined),
      );

      // The real slave KME says hello within a second and starts an era of its own again.
      const down = new RoundTripper(pair, MASTER_TO_SLAVE);
      const up = new RoundTripper(pair, SLAVE_TO_MASTER);
      await pollUntil('round trips after the real slave KME re-synchronised', 15_000, async () => {
        const [a, b] = await Promise.all([down.once(), up.once()]);
        return a.ok && b.ok ? true : undefined;
      });
      for (let i = 0; i < 10; i++) {
        await down.mustSucceed();
        await up.mustSucceed();
      }
    }));
});
