import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModuleKind, ScriptTarget, transpileModule } from 'typescript';
import { amqpEndpoint, redactUrl } from '../scripts/lib/amqp-url';
import { findEntry, isBuildStale, mtimeOf, newestInputMtime } from '../scripts/lib/build-check';
import { waitFor200 } from '../scripts/lib/https-probe';
import { canConnect } from '../scripts/lib/net-util';
import { PrivateRabbitMq } from '../scripts/lib/private-rabbitmq';
import { hasExited, sendSignal, stopChild } from '../scripts/lib/processes';
import type { BuildMode } from './options';
import type { ReferenceReady } from './reference-server';

export const REPO_ROOT = join(__dirname, '..');
/** Where the bench saves its results. */
export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');

/** An ISO timestamp as results files are named by it: `2026-12-03T13-46-22Z`. */
export function resultsFileStem(timestamp: string): string {
  return timestamp.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
}

/** Kept output of a child, for the error message when it dies. */
const OUTPUT_TAIL_CHARS = 20_000;

export interface BuiltEntries {
  readonly master: string;
  readonly slave: string;
}

/** Another checkout's built KMEs, as they are (--kmes-from). */
export function builtEntriesIn(checkout: string): BuiltEntries {
  const master = findEntry(checkout, 'master');
  const slave = findEntry(checkout, 'slave');
  if (master === undefined || slave === undefined) {
    throw new Error(
      `${checkout} holds no built KMEs (dist/apps/master/main.js, dist/apps/slave/main.js)`,
    );
  }
  return { master, slave };
}

/** dist/apps/{master,slave}/main.js, built first when missing, stale (mode auto) or forced. */
export function ensureBuilt(mode: BuildMode, say: (line: string) => void): BuiltEntries {
  const entries = () => ({
    master: findEntry(REPO_ROOT, 'master'),
    slave: findEntry(REPO_ROOT, 'slave'),
  });
  let found = entries();
  const inputs = newestInputMtime(
    ['apps', 'libs', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'].map((path) =>
      join(REPO_ROOT, path),
    ),
  );
  const missing = found.master === undefined || found.slave === undefined;
  const stale = isBuildStale(
    [found.master, found.slave].map((entry) => (entry === undefined ? undefined : mtimeOf(entry))),
    inputs,
  );
  if (mode === 'force' || (mode === 'auto' && stale) || missing) {
    say(
      mode === 'force'
        ? 'building the KMEs (npm run build)'
        : 'building the KMEs (npm run build): dist/ is missing or older than apps/ or libs/',
    );
    const result = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`npm run build failed (code ${result.status})`);
    found = entries();
  } else if (stale) {
    say('warning: dist/ is older than apps/ or libs/; measuring it anyway (--no-build)');
  }
  if (found.master === undefined || found.slave === undefined) {
    throw new Error('npm run build left no dist/apps/master/main.js or dist/apps/slave/main.js');
  }
  return { master: found.master, slave: found.slave };
}

/** A child process of the bench: own process group, output kept, killed if the bench exits. */
abstract class BenchChild {
  protected child: ChildProcess | undefined;
  private output = '';
  /** Settles with a reason when the child exits. */
  protected exited: Promise<string> = new Promise(() => undefined);
  private readonly killOnExit = () => {
    if (this.child) sendSignal(this.child, 'SIGKILL', true);
  };

  constructor(readonly label: string) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get outputTail(): string {
    return this.output;
  }

  /** Rejects, with the last output, once the child exits; never settles before. */
  died(): Promise<never> {
    return this.exited.then((why) => Promise.reject(new Error(`${why}\n${this.output}`)));
  }

  protected adopt(child: ChildProcess): void {
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => resolve(`${this.label} could not start: ${error.message}`));
      child.once('exit', (code, signal) =>
        resolve(`${this.label} exited (code ${code}, signal ${signal})`),
      );
    });
    process.on('exit', this.killOnExit);
  }

  /** SIGTERM to its group, SIGKILL after graceMs. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.child) await stopChild(this.child, graceMs, true);
    process.removeListener('exit', this.killOnExit);
  }

  kill(): void {
    if (this.child && !hasExited(this.child)) sendSignal(this.child, 'SIGKILL', true);
  }

  /** Why it died, if it did, with its last output. */
  failure(): string | undefined {
    if (!this.child || !hasExited(this.child)) return undefined;
    return `${this.label} exited (code ${this.child.exitCode}, signal ${this.child.signalCode})\n${this.output}`;
  }
}

/** One built KME, started with node on its own. */
export class KmeProcess extends BenchChild {
  constructor(
    label: string,
    private readonly entry: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    /** Arguments for node before the entry, e.g. --cpu-prof. */
    private readonly nodeArgs: readonly string[] = [],
  ) {
    super(label);
  }

  start(): void {
    this.adopt(
      spawn(process.execPath, [...this.nodeArgs, this.entry], {
        cwd: REPO_ROOT,
        env: this.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
  }

  /** Resolves once it serves HTTPS; rejects if it exits or times out. */
  async waitServing(timeoutMs = 60_000): Promise<void> {
    try {
      await waitFor200(`https://127.0.0.1:${this.port}/api/docs-json`, timeoutMs, this.exited, 100);
    } catch (error) {
      throw new Error(
        `${this.label} is not serving: ${error instanceof Error ? error.message : String(error)}\n${this.outputTail}`,
      );
    }
  }
}

export interface ReferenceFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly allowedCommonNames: readonly string[];
}

/** bench/reference-server.ts in a child process of its own, on a kernel-chosen port. */
export class ReferenceServerProcess extends BenchChild {
  private assignedPort: number | undefined;
  private script: string | undefined;

  constructor(private readonly files: ReferenceFiles) {
    super('reference server');
  }

  get port(): number {
    if (this.assignedPort === undefined) throw new Error('the reference server is not listening');
    return this.assignedPort;
  }

  override async stop(graceMs = 10_000): Promise<void> {
    await super.stop(graceMs);
    if (this.script !== undefined) rmSync(this.script, { force: true });
  }

  async start(timeoutMs = 30_000): Promise<void> {
    this.script = compileReferenceServer();
    const child = fork(this.script, [], {
      cwd: REPO_ROOT,
      // Plain node, as the KMEs run: no ts-node hooks in the process measured.
      execArgv: [],
      env: {
        PATH: process.env.PATH ?? '',
        REF_CA_FILE: this.files.caFile,
        REF_CERT: this.files.certFile,
        REF_KEY: this.files.keyFile,
        REF_ALLOWED_CN: this.files.allowedCommonNames.join(','),
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.adopt(child);
    let timer: NodeJS.Timeout | undefined;
    try {
      this.assignedPort = await Promise.race([
        new Promise<number>((resolve) => {
          child.on('message', (message: unknown) => {
            if (isReady(message)) resolve(message.port);
          });
        }),
        this.exited.then((why) => Promise.reject(new Error(`${why}\n${this.outputTail}`))),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`the reference server did not listen within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * reference-server.ts as plain JavaScript in the temp directory. It imports only node: modules,
 * so one file is the whole program.
 */
function compileReferenceServer(): string {
  const source = join(__dirname, 'reference-server.ts');
  const { outputText } = transpileModule(readFileSync(source, 'utf8'), {
    compilerOptions: { module: ModuleKind.CommonJS, target: ScriptTarget.ES2022 },
    fileName: source,
  });
  const file = join(tmpdir(), `qkd-kme-bench-reference-server-${process.pid}.js`);
  writeFileSync(file, outputText);
  return file;
}

function isReady(message: unknown): message is ReferenceReady {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as Partial<ReferenceReady>).type === 'listening' &&
    typeof (message as Partial<ReferenceReady>).port === 'number'
  );
}

export interface Broker {
  readonly url: string;
  /** For the table: where the broker came from. */
  readonly description: string;
  /** The broker's OS process, when we started it, to read its CPU use. */
  readonly pidFile?: string;
  stop(): Promise<void>;
}

/** AMQP_URL if set (it must answer), else a private RabbitMQ of our own, removed at stop(). */
export async function startBroker(say: (line: string) => void): Promise<Broker> {
  const given = process.env.AMQP_URL;
  if (given) {
    const { host, port } = amqpEndpoint(given);
    if (!(await canConnect(host, port, 5_000))) {
      throw new Error(`AMQP_URL=${redactUrl(given)} is set but nothing answers on ${host}:${port}`);
    }
    return {
      url: given,
      description: `AMQP_URL ${redactUrl(given)}`,
      stop: () => Promise.resolve(),
    };
  }
  if (!PrivateRabbitMq.isInstalled()) throw new Error(PrivateRabbitMq.installHint);
  await PrivateRabbitMq.reapOrphans();
  const broker = PrivateRabbitMq.forTest('bench');
  say('starting a private RabbitMQ');
  await broker.start();
  say(`private RabbitMQ ${broker.url} ready in ${((broker.lastStartMs ?? 0) / 1000).toFixed(1)} s`);
  return {
    url: broker.url,
    description: 'private RabbitMQ',
    pidFile: join(broker.baseDir, 'pid'),
    stop: () => broker.remove(),
  };
}
