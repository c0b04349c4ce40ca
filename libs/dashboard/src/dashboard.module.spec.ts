import type { DashboardData, DashboardKme, LinkState } from '@app/etsi-client';
import { buildOpenApiDocument } from '@app/kme-server';
import { handedOut } from '@app/observability/in-process/observed-kme';
import { DashboardKme as InProcessKme, DashboardPki, freePort } from '../test/dashboard-kme';

const GENERATING: LinkState = {
  quantum_channel: 'up',
  eavesdropper: false,
  qber: 0.02,
  secret_key_rate_bps: 64_000,
  distance_km: 25,
  preset: 'metro',
  generating: true,
  reason: null,
};

const KME_MEMBERS = [
  'broker_connected',
  'deliveries',
  'errors',
  'history',
  'kme_id',
  'peer_link_up',
  'pool',
  'role',
];

let pki: DashboardPki;
let master: InProcessKme;
let slave: InProcessKme;
let link: LinkState | undefined = GENERATING;

beforeAll(async () => {
  pki = DashboardPki.create();
  const [masterPort, slavePort] = [await freePort(), await freePort()];
  [master, slave] = await Promise.all([
    InProcessKme.start(pki, {
      kmeId: 'kme-1',
      port: masterPort,
      peerPort: slavePort,
      link: () => link,
    }),
    InProcessKme.start(pki, { kmeId: 'kme-2', port: slavePort, peerPort: masterPort }),
  ]);
});

afterAll(async () => {
  await Promise.all([master.close(), slave.close()]);
  pki.remove();
});

beforeEach(() => {
  link = GENERATING;
  master.telemetry.bits = 96_000;
  slave.telemetry.bits = 32_000;
});

describe('GET /dashboard/data', () => {
  it('opens without a client certificate and gives both KMEs, the link and the events', async () => {
    const data = await master.client().data();

    expect(Object.keys(data).sort()).toEqual([
      'at',
      'events',
      'kme',
      'link',
      'operator',
      'peer',
      'version',
    ]);
    expect(data.version).toBe(1);
    expect(data.operator).toBe(false);
    expect(Object.keys(data.kme).sort()).toEqual(KME_MEMBERS);
    expect(data.kme).toMatchObject<Partial<DashboardKme>>({
      kme_id: 'kme-1',
      role: 'master',
      pool: { available_bits: 96_000, capacity_bits: 128_000 },
      broker_connected: true,
      peer_link_up: true,
    });
    expect(data.peer).toMatchObject({ kme_id: 'kme-2', state: 'ok', error: null });
    expect(data.peer.kme).toMatchObject({
      kme_id: 'kme-2',
      role: 'slave',
      pool: { available_bits: 32_000, capacity_bits: 128_000 },
    });
    expect(data.link).toMatchObject({ ...GENERATING, kme_id: 'kme-1', status: 'generating' });
    expect(data.link?.abort_qber).toBeCloseTo(0.11, 2);
    expect(Array.isArray(data.events)).toBe(true);
  });

  it("reads this KME's pool at every request, its peer's at most half a second later", async () => {
    master.telemetry.bits = 1_024;
    slave.telemetry.bits = 2_048;
    const client = master.client();
    expect((await client.data()).kme.pool.available_bits).toBe(1_024);
    const deadline = Date.now() + 3_000;
    let data = await client.data();
    while (data.peer.kme?.pool.available_bits !== 2_048 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      data = await client.data();
    }
    expect(data.peer.kme?.pool.available_bits).toBe(2_048);
    expect(Date.parse(data.at) - Date.parse(data.peer.read_at ?? '')).toBeLessThan(1_000);
  });

  it('gives the slave KME the link and the events of the master KME, which runs the link', async () => {
    const data = await slave.client('sae-1').data();
    expect(data.kme.kme_id).toBe('kme-2');
    expect(data.peer.kme?.kme_id).toBe('kme-1');
    expect(data.link).toMatchObject({ kme_id: 'kme-1', status: 'generating' });
  });

  it.each([
    ['an eavesdropper', { eavesdropper: true, qber: 0.27, generating: false }, 'aborted'],
    [
      'a cut channel',
      { quantum_channel: 'down' as const, qber: 0.5, generating: false },
      'channel_down',
    ],
    ['a rate of 0', { secret_key_rate_bps: 0, generating: false }, 'stopped'],
  ])('says the link status under %s', async (_case, change, status) => {
    link = { ...GENERATING, ...change, reason: 'whatever the simulation says' };
    const data = await master.client().data();
    expect(data.link?.status).toBe(status);
    expect(data.link?.reason).toBe('whatever the simulation says');
  });

  it('has no link where no KME knows it', async () => {
    link = undefined;
    expect((await master.client().data()).link).toBeNull();
  });

  it('keeps members the simulation adds to its link object out of the answer', async () => {
    link = { ...GENERATING, secret: 'not for the dashboard' } as LinkState;
    const data = await master.client().data();
    expect(JSON.stringify(data)).not.toContain('not for the dashboard');
  });

  it('answers ?scope=kme with this KME alone, which is what its peer reads', async () => {
    const own = await master.client().kmeData();
    expect(Object.keys(own).sort()).toEqual(['at', 'events', 'kme', 'link', 'version']);
    expect(own.kme.kme_id).toBe('kme-1');
  });

  it('refuses another scope with an error body naming it', async () => {
    const answer = await master
      .transport()
      .send({ method: 'GET', path: '/dashboard/data?scope=all' });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({
      message: 'scope must be "kme", or absent for both KMEs',
    });
  });

  it('is never cached', async () => {
    const answer = await master.transport().send({ method: 'GET', path: '/dashboard/data' });
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
  });
});

describe('operator detection', () => {
  it.each([
    { operator: true, presented: 'the operator certificate', name: 'operator' },
    { operator: false, presented: "an SAE's certificate", name: 'sae-1' },
    { operator: false, presented: "a KME's certificate", name: 'kme-2' },
    { operator: false, presented: 'no certificate', name: undefined },
    {
      operator: false,
      presented: 'a certificate with CN operator from a CA the KME does not trust',
      name: 'foreign-operator',
    },
  ])('operator: $operator with $presented', async ({ name, operator }) => {
    expect((await master.client(name).data()).operator).toBe(operator);
  });
});

describe('traffic counts', () => {
  it('counts the keys of each delivery, and never shows a key ID or key bytes', async () => {
    const before = (await master.client().data()).kme.deliveries;
    const answer = await master
      .transport()
      .send({ method: 'GET', path: '/api/v1/keys/sae-2/enc_keys?number=3' });
    expect(answer.status).toBe(200);

    const data: DashboardData = await master.client().data();
    expect(data.kme.deliveries.keys_total).toBe(before.keys_total + 3);
    expect(data.kme.deliveries.requests_total).toBe(before.requests_total + 1);
    const text = JSON.stringify(data);
    for (const keyId of handedOut.keyIds) expect(text).not.toContain(keyId);
    for (const key of handedOut.keys) expect(text).not.toContain(key.toString('base64'));
  });

  it('counts answers of 400 and more by status, the platform refusals included', async () => {
    const before = (await slave.client().data()).kme.errors.by_status;
    const raw = slave.transport();
    await raw.send({ method: 'GET', path: '/no/such/route' });
    await raw.send({ method: 'GET', path: '/dashboard/data?scope=x' });
    await raw.send({ method: 'HEAD', path: '/api/v1/keys/sae-1/status' });

    const after = (await slave.client().data()).kme.errors.by_status;
    const grew = (code: string): number => (after[code] ?? 0) - (before[code] ?? 0);
    expect([grew('400'), grew('404'), grew('405')]).toEqual([1, 1, 1]);
    expect(Object.keys(after)).toEqual([...Object.keys(after)].sort());
  });
});

describe('the peer KME away', () => {
  it('says the peer is unreachable, and why, and still answers for this KME', async () => {
    const port = await freePort();
    const lonely = await InProcessKme.start(pki, {
      kmeId: 'kme-1',
      port,
      peerPort: await freePort(),
    });
    try {
      const data = await lonely.client().data();
      expect(data.kme.kme_id).toBe('kme-1');
      expect(data.peer).toMatchObject({ kme_id: 'kme-2', state: 'unreachable', kme: null });
      expect(data.peer.error).toMatch(/ECONNREFUSED/);
    } finally {
      await lonely.close();
    }
  });
});

describe('GET /dashboard and its files', () => {
  it('serves the page without a certificate, with a policy that allows only its own files', async () => {
    const answer = await master.transport().send({ method: 'GET', path: '/dashboard' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['content-security-policy']).toContain("script-src 'self'");
    expect(answer.text).toContain('<title>kme-1 (master KME): QKD link dashboard</title>');
    expect(answer.text).toContain('src="dashboard/assets/uPlot.iife.min.js"');
    expect(answer.text).not.toMatch(/https?:\/\//);
  });

  it('serves uPlot from its npm package and its own script and styles', async () => {
    const raw = master.transport();
    const uplot = await raw.send({ method: 'GET', path: '/dashboard/assets/uPlot.iife.min.js' });
    expect(uplot.status).toBe(200);
    expect(uplot.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(uplot.text).toContain('uPlot');
    for (const file of ['uPlot.min.css', 'dashboard.js', 'dashboard.css']) {
      expect((await raw.send({ method: 'GET', path: `/dashboard/assets/${file}` })).status).toBe(
        200,
      );
    }
  });

  it('answers 404 for any other file name, without reaching the file system', async () => {
    const raw = master.transport();
    for (const path of [
      '/dashboard/assets/package.json',
      '/dashboard/assets/..%2F..%2Fpackage.json',
    ]) {
      const answer = await raw.send({ method: 'GET', path });
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.text)).toHaveProperty('message');
    }
  });

  it("is left out of the API documentation, which is the SAEs'", () => {
    const document = buildOpenApiDocument(master.app, {
      title: 'test',
      description: 'test',
      tags: [],
    });
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/dashboard'))).toEqual([]);
  });
});
