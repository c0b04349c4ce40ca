import { CapturedOutput } from '../../test/captured-output';
import { closedPort, FakeKme } from '../../test/fake-kme';
import { makeTestPki, type TestPki } from '../../test/test-pki';
import type { CliIo } from './cli-io';
import { runCli } from './run-cli';

const KEY_ID = 'bc490419-7d60-487f-adc1-4ddcc177c139';
const OTHER_KEY_ID = '550e8400-e29b-41d4-a716-446655440000';
const KEY = 'wHHVxRwDJs3/bXd38GHP3oe4svTuRpZS0yCC7x4Ly+s=';
const STATUS = {
  source_KME_ID: 'kme-1',
  target_KME_ID: 'kme-2',
  master_SAE_ID: 'sae-1',
  slave_SAE_ID: 'sae-2',
  key_size: 256,
  stored_key_count: 25,
  max_key_count: 1000,
  max_key_per_request: 128,
  max_key_size: 1024,
  min_key_size: 64,
  max_SAE_ID_count: 4,
};

let pki: TestPki;
let kme: FakeKme;

beforeAll(async () => {
  pki = makeTestPki();
  kme = await FakeKme.start(pki);
});

afterAll(async () => {
  await kme.close();
  pki.remove();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in the PKI's root (so certs/ is where the CLI looks), against the fake KME. */
async function kmeCli(
  args: readonly string[],
  { env = {}, signal }: { env?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Run> {
  const stdout = new CapturedOutput();
  const stderr = new CapturedOutput();
  const io: CliIo = { stdout, stderr, env: { KME_URL: kme.url, ...env }, cwd: pki.root, signal };
  const code = await runCli(args, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('help and usage', () => {
  it('lists every command and the exit codes', async () => {
    const { code, stdout } = await kmeCli(['--help']);

    expect(code).toBe(0);
    for (const command of ['status', 'enc', 'dec', 'link', 'fault', 'watch']) {
      expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    expect(stdout).toContain('3    the KME answered 400 Bad request');
  });

  it('documents the subcommands of fault', async () => {
    const { code, stdout } = await kmeCli(['fault', '--help']);

    expect(code).toBe(0);
    for (const command of ['drain', 'refuse', 'delay', 'list', 'clear']) {
      expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });

  it('exits 2 on a usage error, sending nothing', async () => {
    const before = kme.requests.length;

    const bad = await kmeCli(['enc', 'sae-2', '--number', 'three']);
    const missing = await kmeCli(['dec', 'sae-1']);
    const unknown = await kmeCli(['frobnicate']);
    const plainHttp = await kmeCli(['status', 'sae-2', '--kme', 'http://127.0.0.1:8000']);
    const none = await kmeCli([]);

    expect([bad.code, missing.code, unknown.code, none.code, plainHttp.code]).toEqual([
      2, 2, 2, 2, 2,
    ]);
    expect(bad.stderr).toMatch(/^kme: option '--number <N>' argument 'three' is invalid/);
    expect(missing.stderr).toContain("missing required argument 'key_ID'");
    expect(kme.requests).toHaveLength(before);
  });
});

describe('ETSI commands', () => {
  it('status: the default SAE certificate from ./certs, a readable table', async () => {
    kme.respond(() => ({ body: STATUS }));

    const { code, stdout } = await kmeCli(['status', 'sae-2']);

    expect(code).toBe(0);
    expect(kme.last).toMatchObject({ method: 'GET', target: '/api/v1/keys/sae-2/status' });
    expect(kme.last.peerCn).toBe('sae-1');
    expect(stdout).toMatch(/^source_KME_ID +kme-1$/m);
    expect(stdout).toMatch(/^max_SAE_ID_count +4$/m);
  });

  it('takes the SAE from SAE_ID and --sae, and the KME from --kme over KME_URL', async () => {
    kme.respond(() => ({ body: STATUS }));

    await kmeCli(['status', 'sae-1'], { env: { SAE_ID: 'sae-2' } });
    expect(kme.last.peerCn).toBe('sae-2');

    await kmeCli(['status', 'sae-1', '--sae', 'sae-2'], { env: { SAE_ID: 'sae-1' } });
    expect(kme.last.peerCn).toBe('sae-2');

    const unreachable = `https://127.0.0.1:${await closedPort()}`;
    const { code } = await kmeCli(['status', 'sae-2', '--kme', unreachable]);
    expect(code).toBe(6);
  });

  it('presents a PKCS#12 file given with --p12 and --passphrase', async () => {
    kme.respond(() => ({ body: STATUS }));

    const { code } = await kmeCli([
      'status',
      'sae-1',
      '--p12',
      pki.p12('sae-2'),
      '--passphrase',
      pki.p12Password,
    ]);

    expect(code).toBe(0);
    expect(kme.last.peerCn).toBe('sae-2');
  });

  it('--json prints the answer exactly as the KME sent it', async () => {
    const body = `{"keys": [ {"key_ID": "${KEY_ID}", "key": "${KEY}"} ]}`;
    kme.respond(() => ({ body }));

    const { code, stdout } = await kmeCli(['enc', 'sae-2', '--json']);

    expect(code).toBe(0);
    expect(stdout).toBe(`${body}\n`);
    expect(JSON.parse(stdout)).toEqual({ keys: [{ key_ID: KEY_ID, key: KEY }] });
  });

  it('enc: GET with number and size; a table of the keys', async () => {
    kme.respond(() => ({ body: { keys: [{ key_ID: KEY_ID, key: KEY }] } }));

    const { code, stdout } = await kmeCli(['enc', 'sae-2', '--number', '1', '--size', '256']);

    expect(code).toBe(0);
    expect(kme.last).toMatchObject({
      method: 'GET',
      target: '/api/v1/keys/sae-2/enc_keys?number=1&size=256',
    });
    expect(stdout.split('\n')[0]).toMatch(/^key_ID +key$/);
    expect(stdout).toContain(`${KEY_ID}  ${KEY}`);
  });

  it('enc: POST with --post, and with --additional', async () => {
    kme.respond(() => ({ body: { keys: [] } }));

    await kmeCli(['enc', 'sae-2', '--number', '2', '--post']);
    expect(kme.last.method).toBe('POST');
    expect(JSON.parse(kme.last.body)).toEqual({ number: 2 });

    const { stdout } = await kmeCli(['enc', 'sae-2', '--additional', 'sae-3', 'sae-4']);
    expect(kme.last.method).toBe('POST');
    expect(JSON.parse(kme.last.body)).toEqual({ additional_slave_SAE_IDs: ['sae-3', 'sae-4'] });
    expect(stdout).toBe('(no keys)\n');
  });

  it('dec: GET for one key ID, POST for several', async () => {
    kme.respond(() => ({ body: { keys: [{ key_ID: KEY_ID, key: KEY }] } }));

    expect((await kmeCli(['dec', 'sae-1', KEY_ID])).code).toBe(0);
    expect(kme.last.target).toBe(`/api/v1/keys/sae-1/dec_keys?key_ID=${KEY_ID}`);

    await kmeCli(['dec', 'sae-1', KEY_ID, OTHER_KEY_ID]);
    expect(kme.last.method).toBe('POST');
    expect(JSON.parse(kme.last.body)).toEqual({
      key_IDs: [{ key_ID: KEY_ID }, { key_ID: OTHER_KEY_ID }],
    });
  });
});

describe('exit codes and error lines', () => {
  const badSize = {
    message: 'size shall be a multiple of 8',
    details: [{ size: 'shall be a multiple of 8' }],
  };

  it('400: exit 3 and the ETSI message with its details on one line', async () => {
    kme.respond(() => ({ status: 400, body: badSize }));

    const { code, stdout, stderr } = await kmeCli(['enc', 'sae-2', '--size', '100']);

    expect(code).toBe(3);
    expect(stderr).toBe(
      'kme: 400 size shall be a multiple of 8 (size: shall be a multiple of 8)\n',
    );
    expect(stdout).toBe('');
  });

  it('400 with --json: the ETSI error body on stdout as well', async () => {
    kme.respond(() => ({ status: 400, body: badSize }));

    const { code, stdout, stderr } = await kmeCli(['enc', 'sae-2', '--size', '100', '--json']);

    expect(code).toBe(3);
    expect(JSON.parse(stdout)).toEqual(badSize);
    expect(stderr).toContain('kme: 400 size shall be a multiple of 8');
  });

  it('401: exit 4', async () => {
    kme.respond(() => ({ status: 401, body: { message: 'sae-1 is not attached to this KME' } }));

    const { code, stderr } = await kmeCli(['dec', 'sae-2', KEY_ID]);

    expect(code).toBe(4);
    expect(stderr).toBe('kme: 401 sae-1 is not attached to this KME\n');
  });

  it('503: exit 5, with the Retry-After', async () => {
    kme.respond(() => ({
      status: 503,
      headers: { 'retry-after': '1' },
      body: { message: 'not enough key material' },
    }));

    const { code, stderr } = await kmeCli(['enc', 'sae-2']);

    expect(code).toBe(5);
    expect(stderr).toBe('kme: 503 not enough key material; retry after 1 s\n');
  });

  it('any other status: exit 1, a non-JSON body kept as text and off stdout', async () => {
    kme.respond(() => ({ status: 500, body: 'upstream broke' }));

    const { code, stdout, stderr } = await kmeCli(['status', 'sae-2', '--json']);

    expect(code).toBe(1);
    expect(stderr).toBe('kme: 500 upstream broke\n');
    expect(stdout).toBe('');
  });

  it('no answer in time: exit 6', async () => {
    kme.respond(() => 'hang');

    const { code, stderr } = await kmeCli(['status', 'sae-2', '--timeout', '100']);

    expect(code).toBe(6);
    expect(stderr).toBe(`kme: no answer from ${kme.url}/api/v1/keys/sae-2/status within 100 ms\n`);
  });

  it('a missing certificate file: exit 1, naming the file', async () => {
    const { code, stderr } = await kmeCli(['status', 'sae-2', '--sae', 'nobody']);

    expect(code).toBe(1);
    expect(stderr).toContain(`cannot read the client certificate ${pki.dir}/nobody.crt (ENOENT)`);
  });

  it('Ctrl-C while a request is in flight: exit 130', async () => {
    kme.respond(() => 'hang');
    const interrupt = new AbortController();
    const before = kme.requests.length;
    const run = kmeCli(['status', 'sae-2'], { signal: interrupt.signal });
    await kme.receivedRequests(before + 1);

    interrupt.abort(new Error('interrupted'));

    await expect(run).resolves.toEqual({ code: 130, stdout: '', stderr: 'kme: interrupted\n' });
  });
});

describe('simulation commands', () => {
  const LINK = {
    quantum_channel: 'up',
    eavesdropper: false,
    qber: 0.01,
    secret_key_rate_bps: 64000,
    distance_km: null,
    preset: null,
    generating: true,
    reason: null,
  };

  it('link: the operator certificate whatever SAE_ID says', async () => {
    kme.respond(() => ({ body: LINK }));

    const { code, stdout } = await kmeCli(['link'], { env: { SAE_ID: 'sae-2' } });

    expect(code).toBe(0);
    expect(kme.last).toMatchObject({
      method: 'GET',
      target: '/api/sim/v1/link',
      peerCn: 'operator',
    });
    expect(stdout).toMatch(/^distance_km +-$/m);
    expect(stdout).toMatch(/^qber +0\.01$/m);
  });

  it('link set: a PATCH of exactly the options given', async () => {
    kme.respond(() => ({ body: LINK }));

    const { code } = await kmeCli([
      'link',
      'set',
      '--eavesdropper',
      'on',
      '--channel',
      'down',
      '--distance',
      '12.5',
      '--preset',
      'metro',
      '--rate',
      '1000',
    ]);

    expect(code).toBe(0);
    expect(kme.last).toMatchObject({ method: 'PATCH', target: '/api/sim/v1/link' });
    expect(JSON.parse(kme.last.body)).toEqual({
      eavesdropper: true,
      quantum_channel: 'down',
      distance_km: 12.5,
      preset: 'metro',
      key_rate_bps: 1000,
    });
  });

  it('link set: nothing to set, or a value outside the choices, is a usage error', async () => {
    const before = kme.requests.length;

    expect((await kmeCli(['link', 'set'])).code).toBe(2);
    expect((await kmeCli(['link', 'set', '--eavesdropper', 'maybe'])).code).toBe(2);
    expect(kme.requests).toHaveLength(before);
  });

  it('fault refuse and delay: the fault bodies', async () => {
    kme.respond((request) => ({ status: 201, body: JSON.parse(request.body) as object }));

    const refuse = await kmeCli(['fault', 'refuse', '3', '--kme-id', 'kme-2']);
    expect(refuse.code).toBe(0);
    expect(JSON.parse(kme.last.body)).toEqual({
      kind: 'refuse_requests',
      count: 3,
      kme_id: 'kme-2',
    });
    expect(refuse.stdout).toMatch(/^kind +refuse_requests$/m);

    await kmeCli(['fault', 'refuse', '1']);
    expect(JSON.parse(kme.last.body)).toEqual({ kind: 'refuse_requests', count: 1 });

    await kmeCli(['fault', 'delay', '250', '--duration', '10']);
    expect(kme.last).toMatchObject({ method: 'POST', target: '/api/sim/v1/faults' });
    expect(JSON.parse(kme.last.body)).toEqual({ kind: 'relay_delay', ms: 250, duration_s: 10 });
  });

  it('fault list, clear and drain', async () => {
    kme.respond(() => ({ body: [{ id: 'f1', kind: 'refuse_requests', count: 2 }] }));
    const list = await kmeCli(['fault', 'list']);
    expect(list.stdout).toMatch(/^id +kind +count\nf1 +refuse_requests +2\n$/);

    kme.respond(() => ({ status: 204 }));
    const clear = await kmeCli(['fault', 'clear']);
    expect(kme.last).toMatchObject({ method: 'DELETE', target: '/api/sim/v1/faults' });
    expect(clear).toMatchObject({ code: 0, stdout: 'faults cleared\n' });

    const drain = await kmeCli(['fault', 'drain']);
    expect(kme.last).toMatchObject({ method: 'POST', target: '/api/sim/v1/pool/drain' });
    expect(drain).toMatchObject({ code: 0, stdout: 'pool drained\n' });
  });
});
