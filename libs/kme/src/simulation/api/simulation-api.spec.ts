import { Logger } from '@nestjs/common';
import type { Response } from 'supertest';
import { settingsOf } from '../testing/settings';
import { InProcessSimulation } from '../testing/in-process-simulation';

/** A non-2xx answer as every KME answer is: JSON, an ETSI Error body and nothing else. */
function expectError(
  response: Response,
  status: number,
  message?: RegExp,
): Record<string, string>[] {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.body as { message?: unknown; details?: Record<string, string>[] };
  expect(Object.keys(body).every((name) => name === 'message' || name === 'details')).toBe(true);
  expect(typeof body.message).toBe('string');
  if (message !== undefined) expect(body.message).toMatch(message);
  return body.details ?? [];
}

describe('the simulation API, in-process', () => {
  let kme: InProcessSimulation;
  let logs: string[];

  beforeAll(async () => {
    kme = await InProcessSimulation.start(settingsOf({ KEY_RATE_BPS: '64000' }));
  }, 60_000);

  afterAll(() => kme.close());

  beforeEach(() => {
    kme.faults.clear('test');
    kme.link.change({ key_rate_bps: 64000, eavesdropper: false, quantum_channel: 'up' }, 'test');
    logs = [];
    jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => {
      logs.push(String(message));
    });
  });

  afterEach(() => jest.restoreAllMocks());

  const operator = () => kme.as('operator');

  describe('admits the operator certificate only', () => {
    it.each(['sae-1', 'sae-2', 'kme-1', 'kme-2'])(
      '%s: 401 on every route, nothing changed',
      async (name) => {
        const as = kme.as(name);
        const answers = [
          await as('get', '/api/sim/v1/link'),
          await as('patch', '/api/sim/v1/link').send({ eavesdropper: true }),
          await as('post', '/api/sim/v1/pool/drain'),
          await as('post', '/api/sim/v1/faults').send({ kind: 'refuse_requests', count: 1 }),
          await as('get', '/api/sim/v1/faults'),
          await as('delete', '/api/sim/v1/faults'),
          await as('get', '/api/sim/v1/scenario'),
        ];
        for (const answer of answers) {
          expectError(answer, 401, new RegExp(`^certificate CN=${name} is not the operator's`));
        }
        expect(kme.link.linkState().eavesdropper).toBe(false);
        expect(kme.faults.list()).toEqual([]);
        expect(kme.drain.calls).toEqual([]);
      },
    );

    it('without a certificate: 401', async () => {
      expectError(await kme.as(undefined)('get', '/api/sim/v1/link'), 401, /client certificate/);
    });

    it.each([
      ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }, /another site/],
      ['Sec-Fetch-Site: same-site', { 'Sec-Fetch-Site': 'same-site' }, /another site/],
      ['an Origin of another site', { Origin: 'https://elsewhere.example' }, /another origin/],
      ['an opaque Origin', { Origin: 'null' }, /opaque origin/],
    ])(
      'a change from a page of another site, in the operator’s browser (%s): 403, nothing changed',
      async (_, headers, message) => {
        const sent = [
          operator()('post', '/api/sim/v1/pool/drain').set(headers),
          operator()('post', '/api/sim/v1/faults')
            .set(headers)
            .set('Content-Type', 'text/plain')
            .send('{"kind":"refuse_requests","count":1}'),
          operator()('patch', '/api/sim/v1/link').set(headers).send({ eavesdropper: true }),
          operator()('delete', '/api/sim/v1/faults').set(headers),
        ];
        for (const answer of await Promise.all(sent)) expectError(answer, 403, message);
        expect(kme.drain.calls).toEqual([]);
        expect(kme.faults.list()).toEqual([]);
        expect(kme.link.linkState().eavesdropper).toBe(false);
        // Reading stays open to the operator's own pages and tools alike.
        const read = await operator()('get', '/api/sim/v1/link').set(headers);
        expect(read.status).toBe(200);
      },
    );

    it('a change from the KME’s own page, or from a client that is not a browser, goes through', async () => {
      const drained = await operator()('post', '/api/sim/v1/pool/drain')
        .set('Sec-Fetch-Site', 'same-origin')
        .set('Origin', `https://${kme.host}`);
      expect(drained.status).toBe(200);
      expect(kme.drain.calls).toHaveLength(1);
      expect((await operator()('post', '/api/sim/v1/pool/drain')).status).toBe(200);
    });

    it('HEAD is no method of these routes: 405', async () => {
      expect((await operator()('head', '/api/sim/v1/link')).status).toBe(405);
    });
  });

  describe('GET and PATCH /link', () => {
    it('answers the link', async () => {
      const answer = await operator()('get', '/api/sim/v1/link');
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        quantum_channel: 'up',
        eavesdropper: false,
        qber: 0.02,
        secret_key_rate_bps: 64000,
        distance_km: null,
        preset: null,
        generating: true,
        reason: null,
      });
    });

    it('changes what it is given, logging who, and answers the link after', async () => {
      const answer = await operator()('patch', '/api/sim/v1/link').send({
        preset: 'long-haul',
        eavesdropper: true,
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        preset: 'long-haul',
        distance_km: 100,
        eavesdropper: true,
        generating: false,
      });
      expect(logs).toEqual([
        expect.stringMatching(
          /^link changed: operator CN=operator set eavesdropper=true, preset=long-haul;/,
        ),
      ]);
    });

    it('takes an empty body as no change', async () => {
      const answer = await operator()('patch', '/api/sim/v1/link').send({});
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ secret_key_rate_bps: 64000 });
    });

    it.each([
      [{ eavesdropper: 1 }, 'eavesdropper', 'eavesdropper must be true or false'],
      [{ quantum_channel: 'DOWN' }, 'quantum_channel', 'quantum_channel must be up or down'],
      [{ distance_km: 1001 }, 'distance_km', 'distance_km must be between 0 and 1000'],
      [{ distance_km: '5' }, 'distance_km', 'distance_km must be between 0 and 1000'],
      [
        { preset: 'backbone' },
        'preset',
        'preset must be one of lab, metro, long-haul, record-10km',
      ],
      [{ key_rate_bps: -1 }, 'key_rate_bps', 'key_rate_bps must be an integer of 0 or more'],
      [{ generating: true }, 'generating', 'generating is not a parameter of this request'],
      [
        { distance_km: 20 },
        'distance_km',
        'distance_km applies to a link modelled from physics: give a preset with it (this link has a fixed rate)',
      ],
      [
        { key_rate_bps: 5, distance_km: 3 },
        'key_rate_bps',
        'key_rate_bps sets a fixed rate without physics: it cannot be given with preset or distance_km',
      ],
    ])('refuses %j with a 400 naming %s, changing nothing', async (body, member, message) => {
      const details = expectError(
        await operator()('patch', '/api/sim/v1/link').send(body),
        400,
        new RegExp(`^${message.replace(/[()]/g, '\\$&')}$`),
      );
      expect(details.some((detail) => member in detail)).toBe(true);
      expect(kme.link.linkState()).toMatchObject({
        eavesdropper: false,
        secret_key_rate_bps: 64000,
      });
    });

    it('refuses a body that is not JSON', async () => {
      expectError(
        await operator()('patch', '/api/sim/v1/link')
          .set('Content-Type', 'application/json')
          .send('{eavesdropper'),
        400,
      );
    });
  });

  describe('POST /pool/drain', () => {
    it('drains, as the operator', async () => {
      const answer = await operator()('post', '/api/sim/v1/pool/drain');
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        discarded_bits: 2048,
        valid_from_offset: 4096,
        slave_kme_reset: true,
      });
      expect(kme.drain.calls.at(-1)).toBe('operator CN=operator');
    });
  });

  describe('faults', () => {
    it('refuse_requests: the next N key requests at the ETSI API answer 503 and consume nothing; status does not count', async () => {
      const added = await operator()('post', '/api/sim/v1/faults').send({
        kind: 'refuse_requests',
        count: 3,
      });
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({
        id: 'fault-1',
        kind: 'refuse_requests',
        count: 3,
        kme_id: 'kme-1',
        remaining: 3,
        in_force: true,
      });
      const sae = kme.as('sae-1');
      const before = { allocations: kme.delivery.allocations, retrievals: kme.delivery.retrievals };
      const refused = [
        await sae('get', '/api/v1/keys/sae-2/enc_keys'),
        await sae('post', '/api/v1/keys/sae-2/enc_keys').send({ number: 1 }),
        await sae('get', '/api/v1/keys/sae-2/dec_keys?key_ID=00000000-0000-4000-8000-000000000001'),
      ];
      for (const answer of refused) {
        expectError(
          answer,
          503,
          /^this request is refused on purpose by the simulated fault fault-1 \(refuse_requests at kme-1, [0-2] more to refuse\)$/,
        );
        expect(answer.headers['retry-after']).toBe('1');
      }
      expect({
        allocations: kme.delivery.allocations,
        retrievals: kme.delivery.retrievals,
      }).toEqual(before);
      expect((await sae('get', '/api/v1/keys/sae-2/status')).status).toBe(200);
      expect((await operator()('get', '/api/sim/v1/faults')).body).toEqual([]);
      expect((await sae('post', '/api/v1/keys/sae-2/enc_keys').send({ number: 1 })).status).toBe(
        200,
      );
      expect(kme.delivery.allocations).toBe(before.allocations + 1);
    });

    it('an unauthenticated key request is refused for that, and does not count', async () => {
      await operator()('post', '/api/sim/v1/faults').send({ kind: 'refuse_requests', count: 1 });
      expectError(await kme.as('kme-2')('post', '/api/v1/keys/sae-2/enc_keys').send({}), 401);
      expect((await operator()('get', '/api/sim/v1/faults')).body).toMatchObject([
        { remaining: 1 },
      ]);
    });

    it('relay_delay: listed with its end, until cleared', async () => {
      const added = await operator()('post', '/api/sim/v1/faults').send({
        kind: 'relay_delay',
        ms: 250,
        duration_s: 60,
      });
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({
        kind: 'relay_delay',
        ms: 250,
        duration_s: 60,
        in_force: true,
      });
      expect(Date.parse((added.body as { expires_at: string }).expires_at)).toBeGreaterThan(
        Date.now(),
      );
      expect(kme.faults.relayDelayMs()).toBe(250);
      const cleared = await operator()('delete', '/api/sim/v1/faults');
      expect(cleared.status).toBe(204);
      expect(cleared.text).toBe('');
      expect(kme.faults.relayDelayMs()).toBe(0);
      expect(logs.at(-1)).toMatch(/^faults cleared by operator CN=operator: fault-\d+$/);
    });

    it.each([
      [{ kind: 'refuse_requests', count: 1, kme_id: 'kme-7' }, 'kme_id'],
      [{ kind: 'refuse_requests', count: 1.5 }, 'count'],
      [{ kind: 'relay_delay', ms: 0, duration_s: 1 }, 'ms'],
      [{ kind: 'relay_delay', ms: 60001, duration_s: 1 }, 'ms'],
      [{ kind: 'relay_delay', ms: 10, duration_s: 0 }, 'duration_s'],
      [{ kind: 'relay_delay', ms: 10, duration_s: 1, count: 1 }, 'count'],
      [{ count: 1 }, 'kind'],
      [{ kind: 'refuse_requests', count: 1, extra: true }, 'extra'],
    ])('refuses %j with a 400 naming %s', async (body, member) => {
      const details = expectError(await operator()('post', '/api/sim/v1/faults').send(body), 400);
      expect(details.some((detail) => member in detail)).toBe(true);
      expect(kme.faults.list()).toEqual([]);
    });
  });

  it('GET /scenario without SCENARIO_FILE', async () => {
    const answer = await operator()('get', '/api/sim/v1/scenario');
    expect(answer.body).toEqual({ file: null, started_at: null, steps: [] });
  });
});
