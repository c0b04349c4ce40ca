import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { forEachLine } from './line-prefixer';
import { findFreePortPair, isPortFree } from './net-util';

const RABBITMQ_BIN = '/usr/lib/rabbitmq/bin';
const SERVER_BIN = join(RABBITMQ_BIN, 'rabbitmq-server');
const CTL_BIN = join(RABBITMQ_BIN, 'rabbitmqctl');
/** RabbitMQ's own convention: Erlang distribution listens on the AMQP port + 20000. */
const DIST_PORT_OFFSET = 20000;
const REPO_ROOT = resolve(__dirname, '..', '..');
/** In an ephemeral instance's baseDir: the pid of the process that started it. */
const EPHEMERAL_MARK = 'ephemeral-owner.pid';
let testInstances = 0;

export type RabbitMqLogLevel = 'debug' | 'info' | 'warning' | 'error' | 'none';

export interface PrivateRabbitMqOptions {
  /** Names the data folder and the Erlang node: letters, digits, `-` and `_`. Default `dev`. */
  name?: string;
  /** Where HOME, mnesia, logs and the pid file live. Default `<repo>/.rabbitmq/<name>`. */
  baseDir?: string;
  /** AMQP port; its dist port (port + 20000) must be free too. Default: a free one. */
  port?: number;
  /** Keep queues left in baseDir by an earlier run. Default false: the first start wipes them. */
  keepData?: boolean;
  /** Bound on `rabbitmqctl wait`, in seconds. Default 60. */
  startTimeoutSec?: number;
  /** What the broker prints on stdout; its log file under baseDir/log always gets `info`. */
  consoleLogLevel?: RabbitMqLogLevel;
  /** Receives each line the broker prints; they always go to baseDir/server.log too. */
  onOutput?: (line: string) => void;
  /**
   * A throw-away node: if the process that started it dies without stopping it, the next
   * reapOrphans() kills the node and deletes baseDir. Default false.
   */
  ephemeral?: boolean;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface RunResult extends Exit {
  output: string;
  timedOut: boolean;
}

/**
 * One private RabbitMQ node (see shared RABBITMQ.md): its own HOME, cookie, data, logs, node name
 * and ports, started from /usr/lib/rabbitmq/bin as the current user so it touches no system
 * broker. stop() and restart() keep the data, so durable queues and persistent messages survive.
 */
export class PrivateRabbitMq {
  static readonly serverBinary = SERVER_BIN;
  static readonly installHint =
    'RabbitMQ is needed. Either install it (as root: apt-get update && apt-get install -y ' +
    'rabbitmq-server; it is then started privately from /usr/lib/rabbitmq/bin, no service needed), ' +
    'or set AMQP_URL to a running broker, e.g. one from `docker compose up rabbitmq` with port ' +
    '5672 published: AMQP_URL=amqp://kme:kme@localhost:5672.';

  static isInstalled(): boolean {
    try {
      accessSync(SERVER_BIN, constants.X_OK);
      accessSync(CTL_BIN, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A throw-away node for one test file: unique name, data under `.rabbitmq/`, reaped if this
   * process dies without remove(). Call remove() when done.
   */
  static forTest(label: string, options: PrivateRabbitMqOptions = {}): PrivateRabbitMq {
    testInstances += 1;
    return new PrivateRabbitMq({
      ...options,
      name: `${label}-${process.pid}-${testInstances}`,
      ephemeral: true,
    });
  }

  /**
   * Kills the nodes and deletes the folders of ephemeral instances under root whose starting
   * process is gone (a test run killed by Ctrl-C or a timeout). Returns the folders removed.
   */
  static async reapOrphans(root = join(REPO_ROOT, '.rabbitmq')): Promise<string[]> {
    if (!existsSync(root)) return [];
    const reaped: string[] = [];
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = join(root, entry.name);
      const owner = readPid(join(dir, EPHEMERAL_MARK));
      if (owner === undefined || isOwnerAlive(owner)) continue;
      const pid = readPid(join(dir, 'pid'));
      if (pid !== undefined && isLiveProcess(pid) && commandLine(pid).includes(dir)) {
        killPid(pid, 'SIGKILL');
        await waitUntil(() => !isLiveProcess(pid), 10_000);
      }
      rmSync(dir, { recursive: true, force: true });
      reaped.push(dir);
    }
    return reaped;
  }

  readonly name: string;
  readonly baseDir: string;
  readonly nodeName: string;
  /** Milliseconds the last start() and stop() took, for the curious. */
  lastStartMs?: number;
  lastStopMs?: number;

  private readonly options: PrivateRabbitMqOptions;
  private assignedPort?: number;
  private server?: ChildProcess;
  private starting?: Promise<void>;
  private serverExit?: Promise<Exit>;
  private logStream?: WriteStream;
  private beamPid?: number;
  private wiped = false;
  private readonly killOnExit = () => this.killGroup('SIGTERM');

  constructor(options: PrivateRabbitMqOptions = {}) {
    this.options = options;
    this.name = options.name ?? 'dev';
    if (!/^[A-Za-z0-9_-]+$/.test(this.name)) {
      throw new Error(`PrivateRabbitMq name must be letters, digits, - and _: ${this.name}`);
    }
    this.baseDir = resolve(options.baseDir ?? join(REPO_ROOT, '.rabbitmq', this.name));
    this.nodeName = `kme-${this.name}@localhost`;
    this.assignedPort = options.port;
  }

  get port(): number {
    if (this.assignedPort === undefined) {
      throw new Error('PrivateRabbitMq has no port before start()');
    }
    return this.assignedPort;
  }

  get distPort(): number {
    return this.port + DIST_PORT_OFFSET;
  }

  get url(): string {
    return `amqp://guest:guest@localhost:${this.port}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  private get pidFile(): string {
    return join(this.baseDir, 'pid');
  }

  private get serverLog(): string {
    return join(this.baseDir, 'server.log');
  }

  private get nodeLog(): string {
    return join(this.baseDir, 'log', `${this.nodeName}.log`);
  }

  async start(): Promise<void> {
    if (this.server || this.starting) {
      throw new Error(`RabbitMQ node ${this.nodeName} is already running`);
    }
    this.starting = this.startOnce();
    try {
      await this.starting;
    } finally {
      this.starting = undefined;
    }
  }

  private async startOnce(): Promise<void> {
    if (!PrivateRabbitMq.isInstalled()) throw new Error(PrivateRabbitMq.installHint);
    const began = Date.now();
    await this.prepareDirectory();
    // A port free when chosen can be taken between our check and the broker's bind: choose again.
    const portIsOurs = this.options.port === undefined && this.assignedPort === undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.choosePort();
        await this.launch();
        break;
      } catch (error) {
        const clash = error instanceof Error && /eaddrinuse/i.test(error.message);
        if (!(portIsOurs && clash && attempt < 3)) throw error;
        this.assignedPort = undefined;
      }
    }
    this.lastStartMs = Date.now() - began;
  }

  /** Graceful stop; kills the node if it does not go. Safe to call when not running. */
  async stop(): Promise<void> {
    // Stopping a node half-way up races its boot; let the start finish or fail first.
    await this.starting?.catch(() => undefined);
    if (!this.server) return;
    const began = Date.now();
    // Not `stop <pidfile>`: that polls once a second; the exit event of our child is prompt.
    const stopped = await this.ctl(['stop'], 30_000);
    if (!(await this.waitForExit(stopped.code === 0 ? 15_000 : 1_000))) {
      this.killGroup('SIGTERM');
      if (!(await this.waitForExit(5_000))) {
        this.killGroup('SIGKILL');
        await this.waitForExit(5_000);
      }
    }
    await this.waitForBeamGone();
    this.forget();
    this.lastStopMs = Date.now() - began;
  }

  /** Stop, then start on the same port and data, so durable queues come back. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stop and delete baseDir (data and logs). */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.baseDir, { recursive: true, force: true });
  }

  /** The last lines of the broker's stdout and of its log file, for error messages. */
  logTail(lines = 30): string {
    const tail = (path: string) => {
      if (!existsSync(path)) return `(no ${path})`;
      const text = readFileSync(path, 'utf8').trimEnd().split('\n');
      return text.slice(-lines).join('\n');
    };
    return `--- ${this.serverLog}\n${tail(this.serverLog)}\n--- ${this.nodeLog}\n${tail(this.nodeLog)}`;
  }

  private async prepareDirectory(): Promise<void> {
    mkdirSync(this.baseDir, { recursive: true });
    await this.killStaleNode();
    if (!this.wiped && !this.options.keepData) {
      for (const dir of ['mnesia', 'log']) {
        rmSync(join(this.baseDir, dir), { recursive: true, force: true });
      }
      rmSync(this.serverLog, { force: true });
    }
    this.wiped = true;
    if (this.options.ephemeral) {
      writeFileSync(join(this.baseDir, EPHEMERAL_MARK), `${process.pid}\n`);
    }
    // Erlang would create the cookie itself, but then the server and rabbitmqctl race for it.
    const cookie = join(this.baseDir, '.erlang.cookie');
    if (!existsSync(cookie)) {
      writeFileSync(cookie, randomBytes(15).toString('hex').toUpperCase(), { mode: 0o400 });
    }
    writeFileSync(join(this.baseDir, 'enabled_plugins'), '[].\n');
    const level = this.options.consoleLogLevel ?? 'warning';
    writeFileSync(
      join(this.baseDir, 'rabbitmq.conf'),
      [
        level === 'none' ? 'log.console = false' : 'log.console = true',
        ...(level === 'none' ? [] : [`log.console.level = ${level}`]),
        'log.file.level = info',
        '',
      ].join('\n'),
    );
  }

  /** A node left running by a killed earlier run of this baseDir holds its ports and data. */
  private async killStaleNode(): Promise<void> {
    const pid = readPid(this.pidFile);
    if (pid !== undefined && isLiveProcess(pid) && commandLine(pid).includes(this.baseDir)) {
      process.stderr.write(`killing stale RabbitMQ node ${this.nodeName} (pid ${pid})\n`);
      killPid(pid, 'SIGKILL');
      await waitUntil(() => !isLiveProcess(pid), 10_000);
    }
    rmSync(this.pidFile, { force: true });
  }

  private async choosePort(): Promise<void> {
    if (this.assignedPort === undefined) {
      this.assignedPort = await findFreePortPair(DIST_PORT_OFFSET);
      return;
    }
    // After stop() the ports may take a moment to be released.
    const free = () => Promise.all([isPortFree(this.port), isPortFree(this.distPort)]);
    const deadline = Date.now() + 5_000;
    let [amqp, dist] = await free();
    while (!(amqp && dist) && Date.now() < deadline) {
      await delay(200);
      [amqp, dist] = await free();
    }
    if (!amqp || !dist) {
      const busy = [!amqp ? this.port : undefined, !dist ? this.distPort : undefined];
      throw new Error(
        `RabbitMQ node ${this.nodeName} cannot start: port ${busy.filter(Boolean).join(' and ')} ` +
          'in use (eaddrinuse)',
      );
    }
  }

  private environment(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    // Inherited RABBITMQ_* or ERL_* settings would point the node at someone else's files.
    for (const [key, value] of Object.entries(process.env)) {
      if (!/^(RABBITMQ_|ERL_)/.test(key)) env[key] = value;
    }
    const dir = this.baseDir;
    return {
      ...env,
      HOME: dir,
      RABBITMQ_NODENAME: this.nodeName,
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: this.pidFile,
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
      // Not /etc/rabbitmq/rabbitmq-env.conf, which is the system broker's.
      RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
      // Busy-waiting schedulers would steal CPU from the tests on a small machine.
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '+sbwt none +sbwtdcpu none +sbwtdio none',
      ERL_CRASH_DUMP: join(dir, 'erl_crash.dump'),
    };
  }

  private async launch(): Promise<void> {
    rmSync(this.pidFile, { force: true });
    this.logStream = createWriteStream(this.serverLog, { flags: 'a' });
    const server = spawn(SERVER_BIN, [], {
      cwd: this.baseDir,
      env: this.environment(),
      // Own process group: a terminal's Ctrl-C must not reach the broker before its clients.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.server = server;
    this.serverExit = new Promise<Exit>((resolveExit) => {
      server.once('exit', (code, signalName) => resolveExit({ code, signal: signalName }));
      server.once('error', () => resolveExit({ code: null, signal: null }));
    });
    const logStream = this.logStream;
    for (const stream of [server.stdout, server.stderr]) {
      if (!stream) continue;
      forEachLine(stream, (line) => {
        logStream.write(`${line}\n`);
        this.options.onOutput?.(line);
      });
      // Never keep the parent alive for the broker's sake; the exit hook stops it.
      (stream as unknown as Socket).unref();
    }
    server.unref();
    process.on('exit', this.killOnExit);

    const timeoutSec = this.options.startTimeoutSec ?? 60;
    // Aborted if the server dies first, so no `rabbitmqctl wait` lingers for a minute.
    const abortWait = new AbortController();
    const waited = this.ctl(
      ['wait', this.pidFile, '--timeout', String(timeoutSec)],
      (timeoutSec + 15) * 1000,
      abortWait.signal,
    );
    const outcome = await Promise.race([
      waited.then((result) => ({ kind: 'wait' as const, result })),
      this.serverExit.then((exit) => ({ kind: 'exit' as const, exit })),
    ]);
    if (outcome.kind === 'wait' && outcome.result.code === 0) {
      this.beamPid = readPid(this.pidFile);
      return;
    }
    const why =
      outcome.kind === 'exit'
        ? `rabbitmq-server exited (code ${outcome.exit.code}, signal ${outcome.exit.signal})`
        : `rabbitmqctl wait failed (code ${outcome.result.code}${outcome.result.timedOut ? ', timed out' : ''}): ${outcome.result.output.trim()}`;
    abortWait.abort();
    this.beamPid = readPid(this.pidFile);
    this.killGroup('SIGKILL');
    await this.waitForExit(5_000);
    await this.waitForBeamGone();
    await new Promise<void>((done) => logStream.end(done));
    const tail = this.logTail();
    this.forget();
    throw new Error(
      `RabbitMQ node ${this.nodeName} on port ${this.port} did not start: ${why}\n${tail}`,
    );
  }

  private ctl(args: string[], timeoutMs: number, signal?: AbortSignal): Promise<RunResult> {
    return run(CTL_BIN, ['-n', this.nodeName, ...args], this.environment(), timeoutMs, signal);
  }

  private async waitForExit(timeoutMs: number): Promise<boolean> {
    if (!this.serverExit) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>(
      (done) => (timer = setTimeout(() => done(false), timeoutMs)),
    );
    try {
      return await Promise.race([this.serverExit.then(() => true), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async waitForBeamGone(): Promise<void> {
    const pid = this.beamPid;
    if (pid === undefined) return;
    if (await waitUntil(() => !isLiveProcess(pid), 5_000)) return;
    killPid(pid, 'SIGKILL');
    await waitUntil(() => !isLiveProcess(pid), 5_000);
  }

  private killGroup(signalName: NodeJS.Signals): void {
    const pid = this.server?.pid;
    if (pid !== undefined) killPid(-pid, signalName);
    if (this.beamPid !== undefined) killPid(this.beamPid, signalName);
  }

  private forget(): void {
    process.removeListener('exit', this.killOnExit);
    this.logStream?.end();
    this.logStream = undefined;
    this.server = undefined;
    this.serverExit = undefined;
    this.beamPid = undefined;
    rmSync(this.pidFile, { force: true });
  }
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<RunResult> {
  return new Promise((resolveRun) => {
    const child = spawn(command, args, { env, signal, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolveRun({ code: null, signal: null, output: error.message, timedOut });
    });
    child.once('close', (code, signalName) => {
      clearTimeout(timer);
      resolveRun({ code, signal: signalName, output, timedOut });
    });
  });
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie (a zombie holds no ports or files, only a process table entry). */
function isLiveProcess(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function isOwnerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return isLiveProcess(pid);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function killPid(pid: number, signalName: NodeJS.Signals): void {
  try {
    process.kill(pid, signalName);
  } catch {
    // Already gone.
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await delay(50);
  }
  return true;
}
