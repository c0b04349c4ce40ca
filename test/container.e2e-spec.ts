// A KME pair started the way the image and docker-compose.yml start it, without a Docker engine:
// as the image's node user (uid 1000), from a copy of the image's working directory (dist/,
// production node_modules, package.json), with the certificates the compose `certs` service
// writes (the compiled generator run as root with --owner 1000:1000), data in directories owned
// by uid 1000 (a named volume seeded from the image's /data), the environment of the Dockerfile
// and of the compose services; then the README's "Running in containers" curl commands, run as
// they stand by the host user from the clone. Once for a host user that is root, once for an
// ordinary one (neither uid 1000, where it always worked). The tests run as root.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { holdsPort } from '../scripts/lib/listening-socket';
import { findFreePorts } from '../scripts/lib/net-util';
import { describeStop, stopChild, stoppedCleanly } from '../scripts/lib/processes';
import { e2eAmqpUrl } from './support/broker';
import { REPO_ROOT } from './support/e2e-paths';
import { HttpsClient, type HttpAnswer } from './support/kme-harness';
import {
  decKeys,
  encKeys,
  expectSameKeys,
  issued,
  pollUntil,
  show,
  type KeyContainer,
} from './support/relay';

/** The image's node user, which compose's certs service hands the KMEs' files to. */
const NODE_UID = 1000;
const NODE_GID = 1000;

interface ComposeService {
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
}

const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
};

/** ENV of the Dockerfile's last (runtime) stage, as `ENV A=1 B=2` lines. */
function runtimeImageEnv(): Record<string, string> {
  const text = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8').replace(/\\\r?\n/g, ' ');
  const stages = text.split(/^FROM\s/m);
  const env: Record<string, string> = {};
  for (const line of (stages.at(-1) ?? '').split(/\r?\n/)) {
    const match = /^ENV\s+(.*)$/.exec(line.trim());
    if (match === null) continue;
    for (const [, name, value] of match[1].matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) {
      env[name] = value.replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

function serviceEnv(service: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(compose.services[service].environment ?? {}).map(([name, value]) => [
      name,
      value === null ? '' : String(value),
    ]),
  );
}

/** A host or container user, as uid and gid. */
interface User {
  readonly uid: number;
  readonly gid: number;
}

const NODE_USER: User = { uid: NODE_UID, gid: NODE_GID };

/** Runs `script` with node as `user` in `cwd`: its exit code and output. */
function asUser(user: User, cwd: string, script: string, ...args: string[]) {
  const result = spawnSync(process.execPath, ['-e', script, ...args], {
    cwd,
    uid: user.uid,
    gid: user.gid,
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

const READ_FILE = "require('node:fs').readFileSync(process.argv[1]); console.log('read');";

/**
 * The packages `npm ci --omit=dev` installs (the lockfile's entries not marked dev), each linked
 * from this checkout's node_modules, or copied when uid 1000 cannot reach it here: a dev
 * dependency the KMEs load then fails here as it would in the image.
 */
function productionNodeModules(target: string): number {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean; optional?: boolean }>;
  };
  const reachable =
    asUser(NODE_USER, tmpdir(), READ_FILE, join(REPO_ROOT, 'node_modules', '.package-lock.json'))
      .code === 0;
  let count = 0;
  for (const [path, entry] of Object.entries(lock.packages)) {
    // Top-level packages only: nested ones come inside their parent's folder.
    if (!/^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) || entry.dev || entry.devOptional) continue;
    const source = join(REPO_ROOT, path);
    const exists = (() => {
      try {
        return statSync(source).isDirectory();
      } catch {
        return false;
      }
    })();
    // An optional package for another platform is not installed.
    if (!exists && entry.optional) continue;
    const destination = join(target, path.slice('node_modules/'.length));
    mkdirSync(dirname(destination), { recursive: true });
    if (reachable) symlinkSync(source, destination);
    else cpSync(source, destination, { recursive: true, dereference: true });
    count++;
  }
  return count;
}

/** A KME process as the image runs it: `command` of its compose service, as uid 1000. */
class ContainerKme {
  private child: ChildProcess | undefined;
  private log = '';

  constructor(
    readonly service: string,
    readonly port: number,
    private readonly workdir: string,
    private readonly env: Record<string, string>,
    /** The CA its certificate is from: the one the certs service wrote. */
    private readonly ca: Buffer,
  ) {}

  get url(): string {
    return `https://localhost:${this.port}`;
  }

  get output(): string {
    return this.log;
  }

  /** Spawns it; resolves once it exited (refusal) or answers /health/live. */
  async start(): Promise<'serving' | 'exited'> {
    const [command, ...args] = compose.services[this.service].command ?? [];
    expect(command).toBe('node');
    const child = spawn(process.execPath, args, {
      cwd: this.workdir,
      uid: NODE_UID,
      gid: NODE_GID,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    const probe = new HttpsClient(this.url, undefined, this.ca);
    try {
      return await pollUntil(
        `${this.service} serving or exited`,
        30_000,
        async () => {
          if (child.exitCode !== null) return 'exited' as const;
          const live = await probe.get('/health/live').catch(() => undefined);
          return live?.status === 200 && holdsPort(child, this.port)
            ? ('serving' as const)
            : undefined;
        },
        () => this.log.slice(-2_000),
      );
    } finally {
      await probe.close();
    }
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  async exitCode(): Promise<number | null> {
    const child = this.child;
    if (!child) throw new Error('not started');
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    if (child.stdout?.readableEnded === false) {
      await new Promise((resolve) => child.once('close', resolve));
    }
    return child.exitCode;
  }

  /** SIGTERM, as `docker stop` sends; fails unless it exited 0 without needing SIGKILL. */
  async stop(): Promise<void> {
    if (!this.child) return;
    const outcome = await stopChild(this.child, 12_000);
    if (!stoppedCleanly(outcome)) {
      throw new Error(
        `${this.service} ${describeStop(outcome, 12_000)}:\n${this.log.slice(-4_000)}`,
      );
    }
  }
}

/** The image's /app: dist/, the production node_modules and package.json, as its runtime stage. */
function imageWorkdir(workdir: string, certsDir: string): void {
  mkdirSync(workdir);
  cpSync(join(REPO_ROOT, 'dist'), join(workdir, 'dist'), { recursive: true });
  copyFileSync(join(REPO_ROOT, 'package.json'), join(workdir, 'package.json'));
  expect(productionNodeModules(join(workdir, 'node_modules'))).toBeGreaterThan(10);
  // The compose mount of ./certs at /app/certs.
  symlinkSync(certsDir, join(workdir, 'certs'));
}

/** The shell blocks of the README's "Running in containers" section that call a KME with curl. */
function readmeCurlBlocks(): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Running in containers\n');
  expect(start).toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map(([, block]) => block)
    .filter((block) => /^curl /m.test(block));
}

/** The JSON values written one after the other in `text` (curl adds no newline after a body). */
function jsonValues(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let inString = false;
  let from = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '{' || c === '[') {
      if (depth++ === 0) from = i;
    } else if (c === '}' || c === ']') {
      if (--depth === 0) values.push(JSON.parse(text.slice(from, i + 1)));
    }
  }
  return values;
}

/** A clone's certs/ folder, owned like the rest of the clone by the user who cloned it. */
function cloneWithCerts(clone: string, owner: User): string {
  const certsDir = join(clone, 'certs');
  mkdirSync(certsDir, { recursive: true, mode: 0o755 });
  // What a fresh clone has there: the tracked certs/README.md.
  copyFileSync(join(REPO_ROOT, 'certs', 'README.md'), join(certsDir, 'README.md'));
  for (const path of [clone, certsDir, join(certsDir, 'README.md')]) {
    chownSync(path, owner.uid, owner.gid);
  }
  return certsDir;
}

/** Runs the certs service's command (compose's, writing to `certsDir` for its mount at /certs). */
function runCertsService(workdir: string, certsDir: string): void {
  const [command, ...args] = (compose.services.certs.command ?? []).map((arg) =>
    arg === '/certs' ? certsDir : arg,
  );
  expect([command, ...args]).toEqual([
    'node',
    'dist/scripts/make-certs.js',
    '--dir',
    certsDir,
    '--owner',
    `${NODE_UID}:${NODE_GID}`,
  ]);
  // As root, as `user: root` in compose has it.
  const made = spawnSync(process.execPath, args, {
    cwd: workdir,
    env: { PATH: process.env.PATH ?? '', KME_CERT_HOSTS: '' },
    encoding: 'utf8',
  });
  expect([made.status, made.stderr]).toEqual([0, '']);
}

/** Polls the status at an SAE's KME until it stores at least `count` keys for its peer. */
async function keysStored(client: HttpsClient, count: number): Promise<void> {
  let last: HttpAnswer<{ stored_key_count?: number }> | undefined;
  await pollUntil(
    `${count} keys stored at ${client.baseUrl}`,
    30_000,
    async () => {
      last = await client.get<{ stored_key_count?: number }>('/api/v1/keys/sae-2/status');
      return (last.body.stored_key_count ?? 0) >= count ? true : undefined;
    },
    () => (last === undefined ? '' : show(last)),
  );
}

const HOST_USERS: readonly (readonly [string, User])[] = [
  ['root', { uid: 0, gid: 0 }],
  ['an ordinary user (uid 1234)', { uid: 1234, gid: 1234 }],
];

describe('the container flow, without a Docker engine', () => {
  let root: string;

  beforeAll(() => {
    expect(process.getuid?.()).toBe(0);
    root = mkdtempSync(join(tmpdir(), 'qkd-kme-e2e-container-'));
    // mkdtemp makes it 0700; the host folders a container mounts are readable by all.
    chmodSync(root, 0o755);
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function dataVolume(name: string): string {
    // As the image's `mkdir -p /data && chown node:node /data` leaves it (a new named volume is
    // a copy of it).
    const dir = join(root, 'volumes', name);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    chownSync(dir, NODE_UID, NODE_GID);
    return dir;
  }

  /** The environment compose gives `service`, pointed at this test's broker, ports and volumes. */
  function containerEnv(
    service: string,
    ports: Record<string, number>,
    queue: string,
    dataDir: string,
  ): Record<string, string> {
    const peer = service === 'kme-1' ? 'kme-2' : 'kme-1';
    const broker = new URL(e2eAmqpUrl());
    return {
      PATH: process.env.PATH ?? '',
      ...runtimeImageEnv(),
      ...serviceEnv(service),
      PORT: String(ports[service]),
      // The peer's compose host name is not resolvable here; its certificate names localhost too.
      LINKED_TO_KME: `https://localhost:${ports[peer]}`,
      MQ_HOST: broker.hostname,
      MQ_PORT: broker.port,
      MQ_USERNAME: decodeURIComponent(broker.username),
      MQ_PASSWORD: decodeURIComponent(broker.password),
      MQ_SHARED_QUEUE: queue,
      DATA_DIR: dataDir,
    };
  }

  describe.each(HOST_USERS)('for a host user that is %s', (who, host) => {
    let clone: string;
    let workdir: string;
    let certsDir: string;
    const kmes: ContainerKme[] = [];
    let ports: Record<string, number>;

    beforeAll(() => {
      clone = join(root, `clone-of-uid-${host.uid}`);
      certsDir = cloneWithCerts(clone, host);
      workdir = join(root, `app-for-uid-${host.uid}`);
      imageWorkdir(workdir, certsDir);
    });

    afterAll(async () => {
      const stops = await Promise.allSettled(kmes.map((kme) => kme.stop()));
      for (const stop of stops) if (stop.status === 'rejected') throw stop.reason;
    });

    it('gets its certificates from the compiled generator run as root, as the certs service runs it', () => {
      runCertsService(workdir, certsDir);
      const owner = (file: string) => {
        const stat = statSync(join(certsDir, file));
        return `${stat.uid}:${stat.gid} ${(stat.mode & 0o777).toString(8)}`;
      };
      // What the KMEs read goes to uid 1000; the CA key and the SAE files to the host user.
      const hostUser = `${host.uid}:${host.gid}`;
      expect(owner('ca.crt')).toBe('1000:1000 644');
      expect(owner('kme-1.key')).toBe('1000:1000 600');
      expect(owner('kme-2.key')).toBe('1000:1000 600');
      expect(owner('ca.key')).toBe(`${hostUser} 600`);
      expect(owner('sae-1.key')).toBe(`${hostUser} 600`);
      expect(owner('sae-2.p12')).toBe(`${hostUser} 600`);
      expect(owner('operator.p12')).toBe(`${hostUser} 600`);
      expect(readdirSync(certsDir)).toEqual(expect.arrayContaining(['sae-1.p12', 'sae-2.p12']));
    });

    it(`lets ${who} use the SAE files, and uid 1000 read its own key but not the CA key or an SAE key`, () => {
      for (const file of [
        'certs/ca.crt',
        'certs/sae-1.key',
        'certs/sae-2.key',
        'certs/sae-1.p12',
      ]) {
        expect([file, asUser(host, clone, READ_FILE, file)]).toEqual([
          file,
          { code: 0, output: 'read\n' },
        ]);
      }
      expect(asUser(NODE_USER, workdir, READ_FILE, 'certs/kme-1.key')).toEqual({
        code: 0,
        output: 'read\n',
      });
      for (const file of ['certs/ca.key', 'certs/sae-1.key', 'certs/sae-2.key']) {
        const { code, output } = asUser(NODE_USER, workdir, READ_FILE, file);
        expect([file, code, /EACCES/.test(output)]).toEqual([file, 1, true]);
      }
    });

    it('serves as uid 1000: live and ready without a certificate, status and keys with an SAE’s', async () => {
      const [first, second] = await findFreePorts(2);
      ports = { 'kme-1': first, 'kme-2': second };
      const queue = `e2e-container-${randomUUID()}`;
      const ca = readFileSync(join(certsDir, 'ca.crt'));
      for (const service of ['kme-1', 'kme-2']) {
        const volume = dataVolume(`${service}-data-${host.uid}`);
        kmes.push(
          new ContainerKme(
            service,
            ports[service],
            workdir,
            containerEnv(service, ports, queue, volume),
            ca,
          ),
        );
      }
      const started = await Promise.all(kmes.map((kme) => kme.start()));
      started.forEach((state, i) => {
        if (state !== 'serving') throw new Error(`${kmes[i].service} exited:\n${kmes[i].output}`);
      });
      const sae = (name: string) => ({
        cert: readFileSync(join(certsDir, `${name}.crt`)),
        key: readFileSync(join(certsDir, `${name}.key`)),
      });
      const [master, slave] = kmes;
      const clients = [
        new HttpsClient(master.url, undefined, ca),
        new HttpsClient(slave.url, undefined, ca),
        new HttpsClient(master.url, sae('sae-1'), ca),
        new HttpsClient(slave.url, sae('sae-2'), ca),
      ];
      const [probeMaster, probeSlave, sae1, sae2] = clients;
      try {
        for (const probe of [probeMaster, probeSlave]) {
          expect((await probe.get('/health/live')).status).toBe(200);
        }
        const status = await sae1.get<{ source_KME_ID: string }>('/api/v1/keys/sae-2/status');
        expect([status.status, status.body.source_KME_ID]).toEqual([200, 'kme-1']);
        expect((await sae2.get('/api/v1/keys/sae-1/status')).status).toBe(200);
        // Ready once the link is up: the compose health check's condition.
        for (const probe of [probeMaster, probeSlave]) {
          let last: HttpAnswer | undefined;
          await pollUntil(
            `${probe.baseUrl} ready`,
            30_000,
            async () => {
              last = await probe.get('/health/ready');
              return last.status === 200 ? true : undefined;
            },
            () => (last === undefined ? '' : show(last)),
          );
        }
        // Ready says nothing of the pool: the first keys come from the link a moment later.
        await keysStored(sae1, 4);
        // Keys cross the pair: the data volumes are writable by uid 1000.
        const enc = await encKeys(sae1, 'sae-2', { number: 2, size: 256 });
        const keys = issued(enc);
        const dec = await decKeys(
          sae2,
          'sae-1',
          keys.map((key) => key.keyId),
        );
        expectSameKeys(keys, issued(dec));
      } finally {
        await Promise.all(clients.map((client) => client.close()));
      }
      // The store's files belong to uid 1000 and only it reads them.
      for (const service of ['kme-1', 'kme-2']) {
        const volume = join(root, 'volumes', `${service}-data-${host.uid}`);
        const files = readdirSync(volume);
        expect(files.length).toBeGreaterThan(0);
        for (const file of files) {
          const stat = statSync(join(volume, file));
          expect([file, stat.uid, stat.mode & 0o077]).toEqual([file, NODE_UID, 0]);
        }
      }
    });

    it(`answers the README’s curl commands as they stand, typed by ${who} in the clone`, async () => {
      const blocks = readmeCurlBlocks();
      expect(blocks).toHaveLength(2);
      const typed = blocks.join('\n');
      // Literal commands: no placeholder for the user to fill in.
      expect(typed).not.toMatch(/<[^>\n]*>/);
      expect(typed).toContain('https://localhost:8000/');
      expect(typed).toContain('https://localhost:9000/');
      // The published ports 8000 and 9000 are this test's ports here.
      const script = typed
        .replaceAll('https://localhost:8000/', `https://localhost:${ports['kme-1']}/`)
        .replaceAll('https://localhost:9000/', `https://localhost:${ports['kme-2']}/`);
      // As a user who waited for (healthy): with keys in the pool.
      const atKme1 = new HttpsClient(
        `https://localhost:${ports['kme-1']}`,
        {
          cert: readFileSync(join(certsDir, 'sae-1.crt')),
          key: readFileSync(join(certsDir, 'sae-1.key')),
        },
        readFileSync(join(certsDir, 'ca.crt')),
      );
      try {
        await keysStored(atKme1, 1);
      } finally {
        await atKme1.close();
      }
      const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
        cwd: clone,
        uid: host.uid,
        gid: host.gid,
        env: { PATH: process.env.PATH ?? '', HOME: clone },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect([run.status, run.stderr]).toEqual([0, expect.any(String)]);
      const [status, enc, dec, ...more] = jsonValues(run.stdout) as [
        { source_KME_ID?: string; target_KME_ID?: string },
        KeyContainer,
        KeyContainer,
      ];
      expect(more).toEqual([]);
      expect([status.source_KME_ID, status.target_KME_ID]).toEqual(['kme-1', 'kme-2']);
      expect(enc.keys).toHaveLength(1);
      // sae-2 got at kme-2 the very key sae-1 got at kme-1.
      expect(dec.keys).toEqual(enc.keys);
    });

    it('logs JSON lines without colour codes, naming the address it really bound', () => {
      for (const kme of kmes) {
        expect(kme.output).not.toContain('\u001b[');
        const lines = kme.output.split('\n').filter((line) => line.trim() !== '');
        const parsed = lines.map((line) => {
          try {
            return JSON.parse(line) as { msg?: string; kme_id?: string };
          } catch {
            throw new Error(`${kme.service}: not a JSON line: ${line}`);
          }
        });
        expect(parsed.filter((line) => line.kme_id !== kme.service)).toEqual([]);
        const listening = parsed.find((line) => line.msg?.includes(' listening on '));
        // BIND_ADDRESS defaults to every IPv4 interface, as a container needs.
        expect(listening?.msg).toMatch(
          new RegExp(
            `listening on https://localhost:${kme.port} \\(bound to 0\\.0\\.0\\.0: every interface\\)`,
          ),
        );
      }
    });

    it('stops on SIGTERM with exit code 0, as docker stop asks', async () => {
      expect(kmes.map((kme) => kme.running)).toEqual([true, true]);
      await Promise.all(kmes.map((kme) => kme.stop()));
    });
  });

  it('refuses to start, naming the file, with certificates written as root without --owner', async () => {
    // What `npm run certs` as root did before the certs service: keys only root can read.
    const rootOwned = join(root, 'root-owned-certs');
    mkdirSync(rootOwned, { mode: 0o755 });
    const workdir = join(root, 'app-root-owned');
    imageWorkdir(workdir, rootOwned);
    const made = spawnSync(process.execPath, ['dist/scripts/make-certs.js', '--dir', rootOwned], {
      cwd: workdir,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    });
    expect(made.status).toBe(0);
    const [port, peerPort] = await findFreePorts(2);
    const kme = new ContainerKme(
      'kme-1',
      port,
      workdir,
      containerEnv(
        'kme-1',
        { 'kme-1': port, 'kme-2': peerPort },
        `e2e-container-${randomUUID()}`,
        dataVolume('refused-data'),
      ),
      readFileSync(join(rootOwned, 'ca.crt')),
    );
    expect(await kme.start()).toBe('exited');
    expect(await kme.exitCode()).toBe(1);
    expect(kme.output).toMatch(/kme-1\.key/);
    expect(kme.output).toMatch(/EACCES|permission denied|not readable/i);
  });
});
