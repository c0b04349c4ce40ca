// Static checks of Dockerfile, .dockerignore and docker-compose.yml against the config library, the
// dev PKI and the Nest build: no Docker engine or broker needed.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import * as ts from 'typescript';
import { parse } from 'yaml';
import { KME_ENVIRONMENT_VARIABLES, loadKmeSettings, type KmeRole } from '@app/config';
import { DEFAULT_PKI_NAMES, ensureDevPki, leafFiles } from './lib/pki';

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

const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> };
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
  });
  afterAll(() => rmSync(pkiDir, { recursive: true, force: true }));

  it('has a broker and the two KMEs', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['rabbitmq', 'kme-1', 'kme-2']));
    expect(services.rabbitmq.image).toMatch(/^rabbitmq:3/);
    for (const kme of Object.keys(KMES)) expect(services[kme].build).toBeDefined();
  });

  describe.each(Object.entries(KMES))('%s (the %s KME)', (service, role) => {
    const env = environment(service);
    const peer = peerOf(service);

    it('sets only variables the config library reads, none of them empty', () => {
      const unknown = Object.keys(env).filter((name) => !KME_ENVIRONMENT_VARIABLES.includes(name));
      expect(unknown).toEqual([]);
      expect(Object.entries(env).filter(([, value]) => value.trim() === '')).toEqual([]);
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

    it('waits for a healthy broker', () => {
      const dependsOn = services[service].depends_on;
      expect(Array.isArray(dependsOn) ? undefined : dependsOn?.rabbitmq?.condition).toBe(
        'service_healthy',
      );
      expect(services.rabbitmq.healthcheck?.test).toEqual([
        'CMD',
        'rabbitmq-diagnostics',
        '-q',
        'ping',
      ]);
    });

    it('mounts certs/ read-only where its relative certificate paths point', () => {
      const workdir = lastArgs(runtime, 'WORKDIR') ?? '/';
      const mounts = (services[service].volumes ?? []).map((volume) =>
        typeof volume === 'string'
          ? volume
          : `${volume.source}:${volume.target}${volume.read_only ? ':ro' : ''}`,
      );
      const target = posix.join(workdir, 'certs');
      expect(mounts).toContain(`./certs:${target}:ro`);
      const { tls } = settings(service);
      for (const file of [tls.caFile, tls.certFile, tls.keyFile]) {
        expect(posix.resolve(workdir, file).startsWith(`${target}/`)).toBe(true);
      }
    });

    it(`runs the ${role} KME build`, () => {
      expect(commandOf(service)).toEqual(['node', nestEntryOutput(role)]);
    });
  });

  it('probes each KME with a health check that passes on a 200 from /api/docs-json only', async () => {
    const probe = services['kme-1'].healthcheck?.test;
    expect(services['kme-2'].healthcheck?.test).toEqual(probe);
    expect(probe?.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    const key = readFileSync(join(pkiDir, 'kme-1.key'));
    const cert = readFileSync(join(pkiDir, 'kme-1.crt'));
    let status = 200;
    // Like the KMEs: a client certificate is asked for but not required at the TLS layer.
    const options = { key, cert, requestCert: true, rejectUnauthorized: false };
    const server = https.createServer(options, (req, res) => {
      res.statusCode = req.url === '/api/docs-json' ? status : 404;
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
      status = 503;
      expect(await exitCode()).toBe(1);
    } finally {
      server.close();
    }
  });
});

describe('Dockerfile', () => {
  it('builds and runs on Node 20 images', () => {
    expect(stages.length).toBeGreaterThan(1);
    for (const stage of stages) {
      if (stageNamed(stage.image) === undefined) expect(stage.image).toMatch(/^node:20([.-]|$)/);
    }
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

  it('runs as a non-root user in production mode', () => {
    const user = lastArgs(runtime, 'USER')?.split(':')[0];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    const env = runtime.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args);
    expect(env).toContainEqual(expect.stringMatching(/\bNODE_ENV[= ]production\b/));
  });

  it('starts the master KME by default, as npm run start:master does', () => {
    const cmd = JSON.parse(lastArgs(runtime, 'CMD') ?? 'null') as unknown;
    expect(cmd).toEqual(['node', nestEntryOutput('master')]);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> })
      .scripts;
    expect(scripts['start:master']).toBe(`node ${nestEntryOutput('master')}`);
    expect(scripts['start:slave']).toBe(`node ${nestEntryOutput('slave')}`);
  });

  it('keeps keys, local builds and dependencies out of the build context', () => {
    const ignored = read('.dockerignore')
      .split(/\r?\n/)
      .map((line) =>
        line
          .trim()
          .replace(/^\//, '')
          .replace(/\/(\*\*)?$/, ''),
      );
    expect(ignored).toEqual(expect.arrayContaining(['certs', 'node_modules', 'dist']));
  });
});
