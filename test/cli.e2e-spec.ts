import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KmeTransport, type LinkState } from '@app/etsi-client';
import { findFreePort } from '../scripts/lib/net-util';
import { CLI_ENTRY, E2E_PKI_DIR, REPO_ROOT } from './support/e2e-paths';
import { KEY_ID, SIZE_NOT_MULTIPLE_OF_8, type KeyContainer, type Status } from './support/etsi';
import { KmeTestPair } from './support/kme-harness';

const operatorTls = {
  cert: join(E2E_PKI_DIR, 'operator.crt'),
  key: join(E2E_PKI_DIR, 'operator.key'),
  ca: join(E2E_PKI_DIR, 'ca.crt'),
};

/** What one run of the CLI gave. */
interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** No command of these tests may take longer; one that does fails the test, killed. */
const RUN_DEADLINE_MS = 20_000;

interface RunOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  /** Sends SIGINT (Ctrl-C) once the output so far satisfies it. */
  readonly until?: (stdout: string) => boolean;
}

/** Runs a command and waits for its exit; one that outlives the deadline is killed and fails. */
function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${command} ${args.join(' ')}: no exit within ${RUN_DEADLINE_MS} ms\n${stdout}\n${stderr}`,
        ),
      );
    }, RUN_DEADLINE_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!interrupted && options.until?.(stdout) === true) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Issue 14: the `kme` CLI as users run it: the built file (package.json "bin"), a child process
 * of node, in a directory whose certs/ is the e2e PKI, against the real pair on a real broker.
 */
describe('the kme CLI against the real pair', () => {
  let pair: KmeTestPair;
  let cwd: string;

  beforeAll(async () => {
    pair = await KmeTestPair.start();
    // The development layout: certs/<SAE>.crt|key and certs/ca.crt under the working directory.
    cwd = mkdtempSync(join(tmpdir(), 'kme-cli-e2e-'));
    symlinkSync(E2E_PKI_DIR, join(cwd, 'certs'));
    await pair.waitForKeys(4);
  });

  afterAll(async () => {
    await pair?.stop();
    if (cwd !== undefined) rmSync(cwd, { recursive: true, force: true });
  });

  /** Runs the built CLI with `args` from the working directory whose certs/ is the e2e PKI. */
  const kme = (args: readonly string[], options: RunOptions = {}): Promise<Run> =>
    runCommand(process.execPath, [CLI_ENTRY, ...args], { cwd, ...options });

  const at = (role: 'master' | 'slave'): string =>
    (role === 'master' ? pair.master : pair.slave).url;

  it('status: the Status of the master KME as a readable list, exit 0', async () => {
    const run = await kme(['status', 'sae-2', '--kme', at('master'), '--sae', 'sae-1']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^source_KME_ID +kme-1$/m);
    expect(run.stdout).toMatch(/^target_KME_ID +kme-2$/m);
    expect(run.stdout).toMatch(/^master_SAE_ID +sae-1$/m);
    expect(run.stdout).toMatch(/^slave_SAE_ID +sae-2$/m);
  });

  it("status --json: the KME's Status object unchanged, parsed back", async () => {
    const run = await kme(['status', 'sae-1', '--kme', at('slave'), '--sae', 'sae-2', '--json']);
    expect(run.code).toBe(0);
    const status = JSON.parse(run.stdout) as Status;
    expect(status).toMatchObject<Partial<Status>>({
      source_KME_ID: 'kme-2',
      target_KME_ID: 'kme-1',
      master_SAE_ID: 'sae-2',
      slave_SAE_ID: 'sae-1',
      key_size: 128,
    });
    expect(status.stored_key_count).toBeGreaterThan(0);
  });

  it('takes KME_URL and SAE_ID from the environment', async () => {
    const run = await kme(['status', 'sae-1', '--json'], {
      env: { KME_URL: at('slave'), SAE_ID: 'sae-2' },
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      source_KME_ID: 'kme-2',
      master_SAE_ID: 'sae-2',
    });
  });

  it.each([
    { direction: 'enc at the master KME, dec at the slave KME', enc: 'master', dec: 'slave' },
    { direction: 'enc at the slave KME, dec at the master KME', enc: 'slave', dec: 'master' },
  ] as const)('enc → dec round trip, $direction: identical keys', async ({ enc, dec }) => {
    const [masterSae, slaveSae] = enc === 'master' ? ['sae-1', 'sae-2'] : ['sae-2', 'sae-1'];
    const issued = await kme([
      'enc',
      slaveSae,
      '--number',
      '2',
      '--size',
      '256',
      '--kme',
      at(enc),
      '--sae',
      masterSae,
      '--json',
    ]);
    expect(issued).toMatchObject({ code: 0, stderr: '' });
    const { keys } = JSON.parse(issued.stdout) as KeyContainer;
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key.key_ID).toMatch(KEY_ID);
      expect(Buffer.from(key.key, 'base64')).toHaveLength(32);
    }

    const fetched = await kme([
      'dec',
      masterSae,
      ...keys.map((key) => key.key_ID),
      '--kme',
      at(dec),
      '--sae',
      slaveSae,
      '--json',
    ]);
    expect(fetched).toMatchObject({ code: 0, stderr: '' });
    expect((JSON.parse(fetched.stdout) as KeyContainer).keys).toEqual(keys);
  });

  it('enc and dec without --json: a table of key_ID and key, the same key at both ends', async () => {
    const issued = await kme(['enc', 'sae-2', '--kme', at('master'), '--sae', 'sae-1']);
    expect(issued.code).toBe(0);
    const [header, row] = issued.stdout.trim().split('\n');
    expect(header).toMatch(/^key_ID +key$/);
    const [keyId, key] = row.split(/ +/);
    expect(keyId).toMatch(KEY_ID);

    const fetched = await kme(['dec', 'sae-1', keyId, '--kme', at('slave'), '--sae', 'sae-2']);
    expect(fetched.code).toBe(0);
    expect(fetched.stdout.trim().split('\n')[1].split(/ +/)).toEqual([keyId, key]);
  });

  it('a 400 exits 3, with the ETSI message on stderr and the Error body on stdout with --json', async () => {
    const run = await kme([
      'enc',
      'sae-2',
      '--size',
      '100',
      '--kme',
      at('master'),
      '--sae',
      'sae-1',
    ]);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^kme: 400 ${SIZE_NOT_MULTIPLE_OF_8}`));

    const json = await kme([
      'enc',
      'sae-2',
      '--size',
      '100',
      '--kme',
      at('master'),
      '--sae',
      'sae-1',
      '--json',
    ]);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ message: SIZE_NOT_MULTIPLE_OF_8 });
  });

  it('a 401 exits 4: sae-1 is not an SAE of the slave KME', async () => {
    const run = await kme(['status', 'sae-2', '--kme', at('slave'), '--sae', 'sae-1', '--json']);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^kme: 401 /);
    expect(JSON.parse(run.stdout)).toHaveProperty('message');
  });

  it('no answer exits 6, naming the refused connection', async () => {
    const nothing = `https://localhost:${await findFreePort()}`;
    const run = await kme(['status', 'sae-2', '--kme', nothing, '--sae', 'sae-1']);
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(/ECONNREFUSED/);
  });

  /** `kme watch` of both KMEs until it drew a second frame, then Ctrl-C; the first frame. */
  const watchFrame = async (): Promise<string> => {
    const run = await kme(
      ['watch', '--kme', at('master'), '--kme', at('slave'), '--interval', '200'],
      { until: (stdout) => stdout.split('kme watch ').length > 2 },
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    return run.stdout.split('\n\n\n')[0];
  };

  it("link --json: the simulation API's answer byte for byte, parsed back", async () => {
    const run = await kme(['link', '--kme', at('master'), '--json']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const link = JSON.parse(run.stdout) as LinkState;
    expect(link).toMatchObject({ quantum_channel: 'up', eavesdropper: false, reason: null });
    // The same GET by the library's raw transport, as the operator: the CLI re-serialises nothing.
    const transport = new KmeTransport({ baseUrl: at('master'), tls: operatorTls });
    try {
      const raw = await transport.send({ method: 'GET', path: '/api/sim/v1/link' });
      expect(raw.status).toBe(200);
      expect(run.stdout).toBe(`${raw.text}\n`);
    } finally {
      await transport.close();
    }
  });

  it('link set --eavesdropper on aborts the link; fault drain empties the pools; enc then exits 5 (503); off again refills', async () => {
    const on = await kme(['link', 'set', '--eavesdropper', 'on', '--kme', at('master')]);
    expect(on).toMatchObject({ code: 0, stderr: '' });
    expect(on.stdout).toMatch(/^eavesdropper +true$/m);
    expect(on.stdout).toMatch(/^generating +false$/m);
    const shown = await kme(['link', '--kme', at('master'), '--json']);
    const link = JSON.parse(shown.stdout) as LinkState;
    expect(link).toMatchObject({ eavesdropper: true, generating: false, secret_key_rate_bps: 0 });
    expect(link.qber).toBeGreaterThan(0.11);

    const frame = await watchFrame();
    expect(frame).toMatch(
      /^link {5}ABORTED, QBER [\d.]+%, 0 bit\/s, quantum channel up, EAVESDROPPER/m,
    );

    const drained = await kme(['fault', 'drain', '--kme', at('master'), '--json']);
    expect(drained).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(drained.stdout)).toMatchObject({ slave_kme_reset: true });
    const status = await kme([
      'status',
      'sae-2',
      '--kme',
      at('master'),
      '--sae',
      'sae-1',
      '--json',
    ]);
    expect((JSON.parse(status.stdout) as Status).stored_key_count).toBe(0);

    const refused = await kme(['enc', 'sae-2', '--kme', at('master'), '--sae', 'sae-1']);
    expect(refused).toMatchObject({ code: 5, stdout: '' });
    expect(refused.stderr).toMatch(/^kme: 503 not enough key material.*; retry after [1-9]\d* s$/m);
    const refusedJson = await kme([
      'enc',
      'sae-2',
      '--kme',
      at('master'),
      '--sae',
      'sae-1',
      '--json',
    ]);
    expect(refusedJson.code).toBe(5);
    expect(JSON.parse(refusedJson.stdout)).toMatchObject({
      message: expect.stringMatching(/not enough key material/) as unknown,
    });

    const off = await kme([
      'link',
      'set',
      '--eavesdropper',
      'off',
      '--kme',
      at('master'),
      '--json',
    ]);
    expect(off.code).toBe(0);
    expect(JSON.parse(off.stdout)).toMatchObject({ eavesdropper: false, reason: null });
    await pair.waitForKeys(4);
    expect((await kme(['enc', 'sae-2', '--kme', at('master'), '--sae', 'sae-1'])).code).toBe(0);
  });

  it('fault refuse 1: listed, the next key request exits 5, then no faults are left', async () => {
    const added = await kme(['fault', 'refuse', '1', '--kme', at('master'), '--json']);
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(added.stdout)).toMatchObject({ kind: 'refuse_requests', count: 1 });
    const listed = await kme(['fault', 'list', '--kme', at('master'), '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ kind: 'refuse_requests' }),
    ]);

    const refused = await kme(['enc', 'sae-2', '--kme', at('master'), '--sae', 'sae-1']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/^kme: 503 .*refused on purpose/m);
    expect((await kme(['enc', 'sae-2', '--kme', at('master'), '--sae', 'sae-1'])).code).toBe(0);
    const after = await kme(['fault', 'list', '--kme', at('master')]);
    expect(after).toMatchObject({ code: 0, stdout: '(no faults)\n' });
  });

  it('a simulation command without the operator certificate exits 4 (401)', async () => {
    const run = await kme([
      'link',
      'set',
      '--eavesdropper',
      'on',
      '--kme',
      at('master'),
      '--sae',
      'sae-1',
    ]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^kme: 401 /);
    expect(JSON.parse((await kme(['link', '--kme', at('master'), '--json'])).stdout)).toMatchObject(
      {
        eavesdropper: false,
      },
    );
  });

  it("watch: both KMEs' pools and state, redrawn until Ctrl-C, which exits 0", async () => {
    const frame = await watchFrame();
    expect(frame).toContain(`${at('master')}  kme-1 (master KME)`);
    expect(frame).toContain(`${at('slave')}  kme-2 (slave KME)`);
    expect(frame).toMatch(/^ {2}pool +\[[#-]{20}\] [\d,]+ of 128,000 bits/m);
    expect(frame).toMatch(/^ {2}state +KME-to-KME link up, broker connected$/m);
    expect(frame).toMatch(/^link {5}[A-Z ]+, QBER [\d.]+%, .*\(run by kme-1\)$/m);
  });

  /** The subcommands a `--help` text lists under "Commands:" (without `help` itself). */
  const subcommandsOf = (help: string): string[] => {
    const section = /\nCommands:\n([\s\S]*?)(?:\n\n|$)/.exec(help)?.[1] ?? '';
    return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)]
      .map((match) => match[1])
      .filter((name) => name !== 'help');
  };

  it("--help on every command, each found from its parent's help", async () => {
    const seen: string[] = [];
    const visit = async (command: readonly string[]): Promise<void> => {
      const run = await kme([...command, '--help']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(new RegExp(`^Usage: kme ${command.map((c) => `${c} `).join('')}`));
      seen.push(command.join(' '));
      for (const sub of subcommandsOf(run.stdout)) await visit([...command, sub]);
    };
    await visit([]);
    expect(seen).toEqual(
      expect.arrayContaining([
        'status',
        'enc',
        'dec',
        'link',
        'link show',
        'link set',
        'fault',
        'fault drain',
        'fault refuse',
        'fault delay',
        'fault list',
        'fault clear',
        'watch',
      ]),
    );
  });

  it('npx kme from the repository runs the built binary (package.json "bin")', async () => {
    const npx = await runCommand('npx', ['--no-install', 'kme', '--help'], { cwd: REPO_ROOT });
    expect(npx).toMatchObject({ code: 0, stderr: '' });
    expect(npx.stdout).toBe((await kme(['--help'])).stdout);
  });

  it('a reader that goes away early (| head) ends the CLI quietly, exit 0', async () => {
    const run = await new Promise<Run>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI_ENTRY, '--help'], {
        cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // Closed before node has even loaded the CLI: its first write meets a broken pipe.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout: '', stderr }));
    });
    expect(run).toMatchObject({ code: 0, stderr: '' });
  });
});
