import { FakeKme } from '../test/fake-kme';
import { makeTestPki, type TestPki } from '../test/test-pki';
import { SimulationClient } from './simulation-client';
import type { LinkState } from './simulation.types';

const LINK: LinkState = {
  quantum_channel: 'up',
  eavesdropper: false,
  qber: 0.012,
  secret_key_rate_bps: 64000,
  distance_km: 25,
  preset: 'metro',
  generating: true,
  reason: null,
};

let pki: TestPki;
let kme: FakeKme;
let client: SimulationClient;

beforeAll(async () => {
  pki = makeTestPki();
  kme = await FakeKme.start(pki);
  client = new SimulationClient({
    baseUrl: kme.url,
    tls: { cert: pki.crt('operator'), key: pki.key('operator'), ca: pki.caFile },
  });
});

afterAll(async () => {
  await client.close();
  await kme.close();
  pki.remove();
});

function lastExchange(): { method: string; target: string; body: unknown; contentType?: string } {
  const { method, target, body, headers } = kme.last;
  return {
    method,
    target,
    body: body === '' ? undefined : (JSON.parse(body) as unknown),
    contentType: headers['content-type'],
  };
}

it('reads the link with the operator certificate', async () => {
  kme.respond(() => ({ body: LINK }));

  await expect(client.link()).resolves.toEqual(LINK);

  expect(lastExchange()).toEqual({ method: 'GET', target: '/api/sim/v1/link', body: undefined });
  expect(kme.last.peerCn).toBe('operator');
});

it('PATCHes only the members it is given', async () => {
  kme.respond(() => ({ body: { ...LINK, eavesdropper: true } }));

  const link = await client.setLink({ eavesdropper: true, distance_km: 40 });

  expect(link.eavesdropper).toBe(true);
  expect(lastExchange()).toEqual({
    method: 'PATCH',
    target: '/api/sim/v1/link',
    body: { eavesdropper: true, distance_km: 40 },
    contentType: 'application/json',
  });
});

it('drains the pool with a bodiless POST, tolerating an empty answer', async () => {
  kme.respond(() => ({ status: 204 }));

  await expect(client.drain()).resolves.toEqual({});

  expect(lastExchange()).toEqual({
    method: 'POST',
    target: '/api/sim/v1/pool/drain',
    body: undefined,
  });
});

it('adds each kind of fault with its own body', async () => {
  kme.respond((request) => ({ status: 201, body: JSON.parse(request.body) as object }));

  await expect(
    client.addFault({ kind: 'refuse_requests', count: 3, kme_id: 'kme-2' }),
  ).resolves.toEqual({
    kind: 'refuse_requests',
    count: 3,
    kme_id: 'kme-2',
  });
  expect(lastExchange()).toMatchObject({ method: 'POST', target: '/api/sim/v1/faults' });

  await client.addFault({ kind: 'relay_delay', ms: 250, duration_s: 10 });
  expect(lastExchange().body).toEqual({ kind: 'relay_delay', ms: 250, duration_s: 10 });
});

it('lists and clears faults', async () => {
  const faults = [{ kind: 'refuse_requests', count: 2, id: 'f1' }];
  kme.respond(() => ({ body: faults }));
  await expect(client.faults()).resolves.toEqual(faults);
  expect(lastExchange()).toMatchObject({ method: 'GET', target: '/api/sim/v1/faults' });

  kme.respond(() => ({ status: 204 }));
  await expect(client.clearFaults()).resolves.toBeUndefined();
  expect(lastExchange()).toEqual({
    method: 'DELETE',
    target: '/api/sim/v1/faults',
    body: undefined,
  });
});

it('reads the dashboard data', async () => {
  kme.respond(() => ({ body: { pool: { bits: 1024 } } }));

  await expect(client.dashboardData()).resolves.toEqual({ pool: { bits: 1024 } });
  expect(lastExchange()).toMatchObject({ method: 'GET', target: '/dashboard/data' });
});
