// Static checks of Dockerfile, .dockerignore and docker-compose.yml against the config library, the
// dev PKI and the Nest build: no Docker engine or broker needed.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import * as https from 'node:https';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { dirname, join, posix, relative, resolve } from 'node:path';
import * as ts from 'typescript';
import { parse } from 'yaml';
import { KME_ENVIRONMENT_VARIABLES, loadKmeSettings, type KmeRole } from '@app/config';
import { SHUTDOWN_DEADLINE_MS } from '@app/kme/bootstrap/graceful-shutdown';
import { KME_RUNTIME_ENV } from './lib/kme-runtime-env';
import { DEFAULT_PKI_NAMES, ensureDevPki, leafFiles } from './lib/pki';

/** The `node` user of the official Node images, which the runtime stage runs as. */
const NODE_USER = '1000:1000';

const ROOT = resolve(__dirname, '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

type Json = Record<string, unknown>;
interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target: number; published?: string | number })[];
  volumes?: (string | { type: string; source: string; target: string; read_only?: boolean })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
  user?: string;
  restart?: string;
  stop_grace_period?: string;
}
interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

const compose = parse(read('docker-compose.yml')) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const KMES: Record<string, KmeRole> = { 'kme-1': 'master', 'kme-2': 'slave' };
const peerOf = (service: string) => (service === 'kme-1' ? 'kme-2' : 'kme-1');

function environment(service: string): Record<string, string> {
  const env = services[service].environment ?? {};
  const pairs = Array.isArray(env)
    ? env.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)])
    : Object.entries(env).map(([name, value]) => [name, value === null ? '' : String(value)]);
  return Object.fromEntries(pairs) as Record<string, string>;
}

/** Volumes as `source:target[:ro]`. */
function mounts(service: string): string[] {
  return (services[service].volumes ?? []).map((volume) =>
    typeof volume === 'string'
      ? volume
      : `${volume.source}:${volume.target}${volume.read_only ? ':ro' : ''}`,
  );
}

function dependsOn(service: string, other: string): string | undefined {
  const dependencies = services[service].depends_on;
  return Array.isArray(dependencies) ? undefined : dependencies?.[other]?.condition;
}

function settings(service: string) {
  // Every file a KME names must be one that `npm run certs` writes, relative to the image's WORKDIR.
  const certFiles = new Set([
    'certs/ca.crt',
    ...DEFAULT_PKI_NAMES.flatMap((name) => leafFiles('certs', name)),
  ]);
  return loadKmeSettings(KMES[service], environment(service), (file) => certFiles.has(file));
}

function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      const [image, as, name] = args.replace(/--platform=\S+\s+/, '').split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

const stages = parseDockerfile(read('Dockerfile'));
const runtime = stages[stages.length - 1];
const lastArgs = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword).at(-1)?.args;
/** A stage's ENV, both `ENV A=1 B=2` and the legacy `ENV A 1`; quotes removed. */
function envOf(stage: Stage | undefined): Record<string, string> {
  const unquote = (value: string) => value.replace(/^(["'])(.*)\1$/, '$2');
  const env: Record<string, string> = {};
  for (const { args } of stage?.instructions.filter((i) => i.keyword === 'ENV') ?? []) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
      const [name, ...value] = args.split(/\s+/);
      env[name] = unquote(value.join(' '));
      continue;
    }
    for (const [, name, value] of args.matchAll(
      /([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g,
    )) {
      env[name] = unquote(value);
    }
  }
  return env;
}
const imageEnv = envOf(runtime);
const runs = (stage: Stage | undefined, command: RegExp) =>
  stage?.instructions.some((i) => i.keyword === 'RUN' && command.test(i.args)) ?? false;
const stageNamed = (name: string) => stages.find((stage) => stage.name === name);
/** The stage the runtime stage copies `name` (a file or folder) from with `COPY --from=<stage>`. */
function copiedFrom(name: string): Stage | undefined {
  const copy = runtime.instructions.find((i) => {
    const sources = i.args
      .split(/\s+/)
      .filter((token) => !token.startsWith('--'))
      .slice(0, -1);
    return (
      i.keyword === 'COPY' &&
      i.args.includes('--from=') &&
      sources.some((source) => posix.basename(source.replace(/\/+$/, '')) === name)
    );
  });
  const from = copy && /--from=(\S+)/.exec(copy.args)?.[1];
  return from === undefined ? undefined : stageNamed(from);
}
const asArgv = (command: string | string[]) =>
  Array.isArray(command) ? command : command.trim().split(/\s+/);
const commandOf = (service: string) =>
  asArgv(services[service].command ?? (JSON.parse(lastArgs(runtime, 'CMD') ?? '[]') as string[]));

function parsedTsconfig(file: string): ts.ParsedCommandLine {
  const path = join(ROOT, file);
  const { config } = ts.readConfigFile(path, (name) => ts.sys.readFile(name)) as {
    config: unknown;
  };
  return ts.parseJsonConfigFileContent(config, ts.sys, dirname(path), undefined, path);
}

/** Where tsconfig.scripts.json (run by `npm run build`) writes a script, relative to ROOT. */
function scriptOutput(source: string): string {
  const parsed = parsedTsconfig('tsconfig.scripts.json');
  const output = ts
    .getOutputFileNames(parsed, join(ROOT, source), !ts.sys.useCaseSensitiveFileNames)
    .find((file) => file.endsWith('.js'));
  return relative(ROOT, output ?? '')
    .split('\\')
    .join('/');
}

/** Where `nest build <app>` writes the entry file, from nest-cli.json and the app's tsconfig. */
function nestEntryOutput(app: string): string {
  const nest = JSON.parse(read('nest-cli.json')) as Json & { projects: Record<string, Json> };
  const project = nest.projects[app];
  const option = (name: string) =>
    (project.compilerOptions as Json | undefined)?.[name] ??
    (nest.compilerOptions as Json | undefined)?.[name];
  const entryFile = (project.entryFile ?? nest.entryFile ?? 'main') as string;
  const builderOption = option('builder') ?? 'tsc';
  const builder =
    typeof builderOption === 'object' ? (builderOption as { type?: unknown }).type : builderOption;
  if (option('webpack') === true || builder === 'webpack') {
    // Nest's webpack defaults: output dist/<root>/<entryFile>.js.
    return posix.join('dist', project.root as string, `${entryFile}.js`);
  }
  if (builder !== 'tsc') throw new Error(`builder ${JSON.stringify(builder)} not modelled here`);
  // tsc keeps the source layout below the common root of all inputs, libs included.
  const tsconfigPath = join(ROOT, option('tsConfigPath') as string);
  const { config } = ts.readConfigFile(tsconfigPath, (path) => ts.sys.readFile(path)) as {
    config: unknown;
  };
  const parsed = ts.parseJsonConfigFileContent(
    config,
    ts.sys,
    dirname(tsconfigPath),
    undefined,
    tsconfigPath,
  );
  const source = join(ROOT, project.sourceRoot as string, `${entryFile}.ts`);
  // Listed even before the entry file exists, so the answer does not depend on the work in progress.
  const fileNames = [...new Set([...parsed.fileNames, source])];
  const output = ts
    .getOutputFileNames({ ...parsed, fileNames }, source, !ts.sys.useCaseSensitiveFileNames)
    .find((file) => file.endsWith('.js'));
  return relative(ROOT, output ?? '')
    .split('\\')
    .join('/');
}

describe('docker-compose.yml', () => {
  let pkiDir: string;
  beforeAll(() => {
    pkiDir = mkdtempSync(join(tmpdir(), 'deployment-spec-'));
    ensureDevPki({ dir: pkiDir });
  }, 60_000);
  afterAll(() => rmSync(pkiDir, { recursive: true, force: true }));

  it('has a broker, the certs service and the two KMEs, all three built from this Dockerfile', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['rabbitmq', 'certs', 'kme-1', 'kme-2']),
    );
    expect(services.rabbitmq.image).toMatch(/^rabbitmq:3/);
    for (const service of ['certs', ...Object.keys(KMES)]) {
      expect([service, services[service].build]).toEqual([service, '.']);
    }
  });

  it('reports the broker healthy only once it accepts connections, not on ping', () => {
    const probe = services.rabbitmq.healthcheck?.test;
    const accepted = [
      ['CMD', 'rabbitmq-diagnostics', '-q', 'check_port_connectivity'],
      [
        'CMD-SHELL',
        'rabbitmq-diagnostics -q check_running && rabbitmq-diagnostics -q check_port_connectivity',
      ],
    ];
    expect(accepted).toContainEqual(probe);
  });

  describe('the certs service', () => {
    const certs = services.certs;
    const command = asArgv(certs.command ?? []);

    it('runs the compiled generator as root, handing the KMEs files to the node user', () => {
      expect(certs.user).toBe('root');
      expect(command).toEqual([
        'node',
        scriptOutput('scripts/make-certs.ts'),
        '--dir',
        '/certs',
        '--owner',
        NODE_USER,
      ]);
      // The user the KMEs run as, whose uid --owner names.
      expect(lastArgs(runtime, 'USER')).toBe('node');
    });

    it('writes into ./certs on the host, the one read-write mount of it', () => {
      const dir = command[command.indexOf('--dir') + 1];
      expect(mounts('certs')).toEqual([`./certs:${dir}`]);
      for (const service of Object.keys(services).filter((name) => name !== 'certs')) {
        const writable = mounts(service).filter(
          (mount) => mount.startsWith('./certs:') && !mount.endsWith(':ro'),
        );
        expect([service, writable]).toEqual([service, []]);
      }
      // A fresh clone has the folder (its README is committed), so Docker does not create it as
      // root and the SAE files go to the user who cloned.
      expect(statSync(join(ROOT, 'certs', 'README.md')).isFile()).toBe(true);
    });

    it('passes KME_CERT_HOSTS through from the host, with a default, and nothing else', () => {
      expect(Object.keys(environment('certs'))).toEqual(['KME_CERT_HOSTS']);
      expect(environment('certs').KME_CERT_HOSTS).toMatch(/^\$\{KME_CERT_HOSTS:?-[^}]*\}$/);
    });

    it('runs once: no restart policy that would start it again', () => {
      expect([undefined, 'no', 'on-failure']).toContain(certs.restart);
    });
  });

  describe.each(Object.entries(KMES))('%s (the %s KME)', (service, role) => {
    const env = environment(service);
    const peer = peerOf(service);

    it('sets only variables the config library reads, none of them empty', () => {
      const known = KME_ENVIRONMENT_VARIABLES;
      const unknown = Object.keys(env).filter((name) => !known.includes(name));
      expect(unknown).toEqual([]);
      expect(Object.entries(env).filter(([, value]) => value.trim() === '')).toEqual([]);
    });

    it('logs JSON, as the image does by default', () => {
      expect(env.LOG_FORMAT).toBe('json');
      expect(imageEnv.LOG_FORMAT).toBe('json');
    });

    it('passes the config validation, naming only files that npm run certs writes', () => {
      const loaded = settings(service);
      expect(loaded.role).toBe(role);
      expect(loaded.kmeId).toBe(service);
    });

    it('publishes its PORT on the same host port', () => {
      const port = settings(service).port;
      const published = (services[service].ports ?? []).map((entry) => {
        if (typeof entry === 'object') return [String(entry.published), String(entry.target)];
        const parts = String(entry)
          .replace(/\/tcp$/, '')
          .split(':');
        return [parts.at(-2), parts.at(-1)];
      });
      expect(published).toContainEqual([String(port), String(port)]);
    });

    it('links to the other service on its port, under a name its certificate carries', () => {
      const url = new URL(environment(service).LINKED_TO_KME);
      expect(url.protocol).toBe('https:');
      expect(url.hostname).toBe(peer);
      expect(Number(url.port)).toBe(settings(peer).port);
      expect(settings(service).linkedKmeId).toBe(settings(peer).kmeId);
      // The dev PKI puts the KME ID in the KME's SANs: the peer's ID must be the host dialled.
      const peerCert = new X509Certificate(
        readFileSync(join(pkiDir, `${settings(peer).kmeId}.crt`)),
      );
      expect(peerCert.checkHost(url.hostname)).toBe(url.hostname);
    });

    it('serves the SAEs its peer names as linked, and derives the same queue', () => {
      expect(settings(service).attachedSaeIds).toEqual(settings(peer).linkedSaeIds);
      expect(settings(service).linkedSaeIds).toEqual(settings(peer).attachedSaeIds);
      expect(settings(service).sharedQueue).toBe(settings(peer).sharedQueue);
    });

    it('reaches the broker service with the credentials the broker is given', () => {
      const broker = environment('rabbitmq');
      expect(env.MQ_HOST).toBe('rabbitmq');
      expect(settings(service).amqpUrl).toBe(
        `amqp://${broker.RABBITMQ_DEFAULT_USER}:${broker.RABBITMQ_DEFAULT_PASS}@rabbitmq:5672`,
      );
      // RabbitMQ refuses guest from any host but localhost.
      expect(broker.RABBITMQ_DEFAULT_USER).not.toBe('guest');
    });

    it('waits for the certificates and a healthy broker', () => {
      expect(dependsOn(service, 'certs')).toBe('service_completed_successfully');
      expect(dependsOn(service, 'rabbitmq')).toBe('service_healthy');
    });

    it('mounts certs/ read-only where its relative certificate paths point', () => {
      const workdir = lastArgs(runtime, 'WORKDIR') ?? '/';
      const target = posix.join(workdir, 'certs');
      expect(mounts(service)).toContain(`./certs:${target}:ro`);
      const { tls } = settings(service);
      for (const file of [tls.caFile, tls.certFile, tls.keyFile]) {
        expect(posix.resolve(workdir, file).startsWith(`${target}/`)).toBe(true);
      }
    });

    it('keeps its data in a named volume of its own at DATA_DIR', () => {
      const dataDir = env.DATA_DIR ?? imageEnv.DATA_DIR;
      expect(dataDir).toBe('/data');
      const volumes = mounts(service).filter((mount) => mount.split(':')[1] === dataDir);
      expect(volumes).toHaveLength(1);
      const [source, , mode] = volumes[0].split(':');
      // A name, not a host path: Docker seeds it from the image's /data, owned by node.
      expect(source).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);
      expect(mode).toBeUndefined();
      expect(Object.keys(compose.volumes ?? {})).toContain(source);
      const peerVolume = mounts(peer).find((mount) => mount.split(':')[1] === dataDir);
      expect(peerVolume?.split(':')[0]).not.toBe(source);
    });

    it('gives it longer than its own stop deadline before Docker kills it', () => {
      // Compose durations: 15s, 1m30s, 500ms.
      const grace = services[service].stop_grace_period ?? '10s';
      const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001 };
      const parts = [...grace.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)];
      expect(parts.map(([text]) => text).join('')).toBe(grace);
      const ms = parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * units[unit], 0);
      expect(ms).toBeGreaterThan(SHUTDOWN_DEADLINE_MS);
    });

    it(`runs the ${role} KME build`, () => {
      expect(commandOf(service)).toEqual(['node', nestEntryOutput(role)]);
    });
  });

  it('probes each KME with a health check that passes on a 200 from /health/ready only, without a client certificate', async () => {
    const probe = services['kme-1'].healthcheck?.test;
    expect(services['kme-2'].healthcheck?.test).toEqual(probe);
    expect(probe?.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    // The dev certificate, whose CA the probe does not know: it must not check it.
    const key = readFileSync(join(pkiDir, 'kme-1.key'));
    const cert = readFileSync(join(pkiDir, 'kme-1.crt'));
    const statuses: Record<string, number> = { '/health/ready': 200, '/api/docs-json': 200 };
    const clientCerts: boolean[] = [];
    // Like the KMEs: a client certificate is asked for but not required at the TLS layer.
    const options = { key, cert, requestCert: true, rejectUnauthorized: false };
    const server = https.createServer(options, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      clientCerts.push(Object.keys(peer).length > 0);
      res.statusCode = statuses[req.url ?? ''] ?? 404;
      res.end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };
    const exitCode = () =>
      new Promise<number>((done) => {
        const env = { ...process.env, PORT: String(port) };
        execFile(process.execPath, ['-e', probe?.[3] ?? ''], { env, timeout: 10000 }, (error) =>
          done(error === null ? 0 : typeof error.code === 'number' ? error.code : -1),
        );
      });
    try {
      expect(await exitCode()).toBe(0);
      statuses['/health/ready'] = 503;
      expect(await exitCode()).toBe(1);
      // Alive is not ready: a KME that serves its docs but is not ready is unhealthy.
      delete statuses['/health/ready'];
      expect(await exitCode()).toBe(1);
    } finally {
      server.close();
    }
    expect(clientCerts).toEqual([false, false, false]);
  });
});

describe('the cert generator in the image', () => {
  let outDir: string;
  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'deployment-spec-scripts-'));
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('is compiled to dist/scripts by npm run build, while npm run certs keeps running the source', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> })
      .scripts;
    expect(scripts.build.split(/\s*&&\s*/)).toContain('tsc -p tsconfig.scripts.json');
    expect(scripts.certs).toMatch(/^ts-node\b.*\sscripts\/make-certs\.ts$/);
    expect(scriptOutput('scripts/make-certs.ts')).toBe('dist/scripts/make-certs.js');
    // Shipped with the rest of dist, from the stage that runs npm run build.
    expect(runs(copiedFrom('dist'), /\bnpm run build\b/)).toBe(true);
  });

  it('runs with node alone, loading only built-ins and production dependencies', async () => {
    const parsed = parsedTsconfig('tsconfig.scripts.json');
    const program = ts.createProgram({
      rootNames: parsed.fileNames,
      options: { ...parsed.options, outDir, noEmit: false },
    });
    const emitted = program.emit();
    const problems = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) =>
      ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    );
    expect(problems).toEqual([]);

    const script = join(outDir, relative('dist', scriptOutput('scripts/make-certs.ts')));
    const jsFiles = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? jsFiles(join(dir, entry.name))
          : entry.name.endsWith('.js')
            ? [join(dir, entry.name)]
            : [],
      );
    const required = jsFiles(outDir).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)].map(([, id]) => id),
    );
    const { dependencies } = JSON.parse(read('package.json')) as {
      dependencies: Record<string, string>;
    };
    const external = [...new Set(required)].filter(
      (id) => !id.startsWith('.') && !id.startsWith('node:') && !builtinModules.includes(id),
    );
    const allowed = Object.keys(dependencies);
    expect(external.filter((id) => !allowed.includes(id))).toEqual([]);

    // As the certs service runs it, with the host's KME_CERT_HOSTS and a --host of its own.
    const certsDir = join(outDir, 'certs');
    const root = process.getuid?.() === 0;
    const owner = root ? NODE_USER : `${process.getuid?.()}:${process.getgid?.()}`;
    const args = [script, '--dir', certsDir, '--owner', owner, '--host', 'extra-host'];
    const env = {
      PATH: process.env.PATH,
      NODE_PATH: join(ROOT, 'node_modules'),
      KME_CERT_HOSTS: 'env-host,10.9.8.7',
    };
    const exit = await new Promise<number>((done) =>
      execFile(process.execPath, args, { env, cwd: outDir, timeout: 60000 }, (error) =>
        done(error === null ? 0 : typeof error.code === 'number' ? error.code : -1),
      ),
    );
    expect(exit).toBe(0);
    for (const file of ['ca.crt', ...DEFAULT_PKI_NAMES.flatMap((name) => leafFiles('', name))]) {
      expect([file, existsSync(join(certsDir, file))]).toEqual([file, true]);
    }
    const kme = new X509Certificate(readFileSync(join(certsDir, 'kme-1.crt')));
    expect(kme.checkHost('extra-host')).toBe('extra-host');
    expect(kme.checkHost('env-host')).toBe('env-host');
    expect(kme.checkIP('10.9.8.7')).toBe('10.9.8.7');
    const key = statSync(join(certsDir, 'kme-1.key'));
    expect([`${key.uid}:${key.gid}`, key.mode & 0o777]).toEqual([owner, 0o600]);
  }, 60_000);
});

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const allInstructions = stages.flatMap((stage) => stage.instructions);

  it('has no syntax directive, which would make BuildKit fetch a frontend image', () => {
    expect(text.split(/\r?\n/).filter((line) => /^\s*#\s*syntax\s*=/i.test(line))).toEqual([]);
  });

  it('builds and runs on Node 24 images of one Debian release, the runtime slim', () => {
    expect(stages.length).toBeGreaterThan(1);
    const external = stages.filter((stage) => stageNamed(stage.image) === undefined);
    for (const { image } of external) expect(image).toMatch(/^node:24([.-]|$)/);
    expect(runtime.image).toBe('node:24-bookworm-slim');
    for (const { image } of external) expect(image).toMatch(/-bookworm(-|$)/);
  });

  it('builds native addons where the toolchain is, from source, for the runtime Node', () => {
    // better-sqlite3 is compiled in the stage the runtime takes node_modules from.
    const deps = copiedFrom('node_modules');
    expect(deps).toBeDefined();
    const base = stageNamed(deps?.image ?? '') ?? deps;
    expect(base?.image).toMatch(/^node:24-bookworm$/);
    expect(envOf(deps)).toMatchObject({
      npm_config_build_from_source: 'true',
      npm_config_nodedir: '/usr/local',
    });
    expect(runs(runtime, /\bnpm (ci|install|rebuild)\b/)).toBe(false);
  });

  it('fetches nothing but the base images and what npm ci takes from the registry', () => {
    const runCommands = allInstructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    for (const command of runCommands) {
      expect(command).not.toMatch(/\b(curl|wget|git|apt-get|apt|apk|pip3?|npx)\b/);
      expect(command).not.toMatch(/\bnpm (install|i|add|exec)\b/);
    }
    expect(allInstructions.filter((i) => i.keyword === 'ADD')).toEqual([]);
    expect(allInstructions.map((i) => i.args).filter((args) => /https?:\/\//.test(args))).toEqual(
      [],
    );
    // COPY --from an image reference would pull that image.
    for (const { args } of allInstructions.filter((i) => i.keyword === 'COPY')) {
      const from = /--from=(\S+)/.exec(args)?.[1];
      if (from !== undefined) expect(stageNamed(from)).toBeDefined();
    }
    expect(envOf(copiedFrom('dist'))).toMatchObject({ SCARF_ANALYTICS: 'false' });
    expect(envOf(copiedFrom('node_modules'))).toMatchObject({ SCARF_ANALYTICS: 'false' });
  });

  it('builds with npm ci and npm run build, and ships dist from that stage', () => {
    const build = copiedFrom('dist');
    expect(build).toBeDefined();
    expect(runs(build, /\bnpm ci(?!.*--omit)/)).toBe(true);
    expect(runs(build, /\bnpm run build\b/)).toBe(true);
  });

  it('ships production dependencies only', () => {
    const deps = copiedFrom('node_modules') ?? runtime;
    expect(runs(deps, /\bnpm ci\b.*--omit=dev/)).toBe(true);
  });

  it('runs as the node user in production mode, logging JSON, its data in /data', () => {
    expect(lastArgs(runtime, 'USER')).toBe('node');
    expect(imageEnv).toMatchObject({
      NODE_ENV: 'production',
      LOG_FORMAT: 'json',
      DATA_DIR: '/data',
    });
    const known = [...KME_ENVIRONMENT_VARIABLES, 'NODE_ENV', ...Object.keys(KME_RUNTIME_ENV)];
    expect(Object.keys(imageEnv).filter((name) => !known.includes(name))).toEqual([]);
  });

  it('gives the KMEs the runtime environment npm start gives them', () => {
    expect(imageEnv).toMatchObject(KME_RUNTIME_ENV);
  });

  it('declares /data a volume, owned by node before the declaration', () => {
    const volume = runtime.instructions.findIndex((i) => i.keyword === 'VOLUME');
    expect(volume).toBeGreaterThanOrEqual(0);
    const declared = runtime.instructions[volume].args;
    const paths = declared.startsWith('[')
      ? (JSON.parse(declared) as string[])
      : declared.split(/\s+/);
    expect(paths).toEqual(['/data']);
    // Docker discards changes made to a volume path after VOLUME.
    const prepared = runtime.instructions
      .slice(0, volume)
      .some(
        (i) =>
          i.keyword === 'RUN' &&
          /\bmkdir\b[^&;]*\s\/data\b/.test(i.args) &&
          /\bchown\s+(-R\s+)?node(:node)?\s+\/data\b/.test(i.args),
      );
    expect(prepared).toBe(true);
  });

  it('starts the master KME by default, as npm run start:master does', () => {
    const cmd = JSON.parse(lastArgs(runtime, 'CMD') ?? 'null') as unknown;
    expect(cmd).toEqual(['node', nestEntryOutput('master')]);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> })
      .scripts;
    expect(scripts['start:master']).toBe(`node ${nestEntryOutput('master')}`);
    expect(scripts['start:slave']).toBe(`node ${nestEntryOutput('slave')}`);
  });

  it('keeps keys, local builds and dependencies out of the build context, but not the build inputs', () => {
    const ignored = read('.dockerignore')
      .split(/\r?\n/)
      .map((line) =>
        line
          .trim()
          .replace(/^\//, '')
          .replace(/\/(\*\*)?$/, ''),
      )
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['certs', 'node_modules', 'dist']));
    const inputs = ['package.json', 'package-lock.json', '.npmrc', 'tsconfig.json'];
    inputs.push('tsconfig.scripts.json', 'scripts', 'apps', 'libs', 'nest-cli.json');
    expect(ignored.filter((pattern) => inputs.includes(pattern))).toEqual([]);
  });
});
