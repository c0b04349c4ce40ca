import { spawn, type ChildProcess } from 'node:child_process';
import { KME_RUNTIME_ENV } from './kme-runtime-env';
import { forEachLine, makePrefix, prefixLines, type Color } from './line-prefixer';
import { waitFor200 } from './https-probe';
import { hasExited, sendSignal, stopChild, type StopOutcome } from './processes';

export interface KmeSpec {
  /** Output prefix and name in messages, e.g. `kme-1`. */
  label: string;
  /** The built main.js to run with this node. */
  entry: string;
  port: number;
  color?: Color;
}

export interface KmePairOptions {
  kmes: readonly KmeSpec[];
  amqpUrl: string;
  cwd: string;
  /** The environment both KMEs start from (PORT and AMQP_URL are set on top). */
  env?: NodeJS.ProcessEnv;
  readyPath?: string;
  readyTimeoutMs?: number;
  /** How long a KME has between SIGTERM and SIGKILL (default: past a KME's own 10 s deadline). */
  stopGraceMs?: number;
  useColor?: boolean;
  write?: (text: string) => void;
}

/** How stop() went for one KME: a caller reports those that needed SIGKILL or exited non-zero. */
export interface KmeStopped {
  label: string;
  outcome: StopOutcome;
  graceMs: number;
}

export interface KmeExit {
  label: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Running {
  spec: KmeSpec;
  child: ChildProcess;
  exit: Promise<KmeExit>;
}

/** The KME processes of `npm start`: spawned, prefixed, probed for readiness and stopped. */
export class KmePair {
  private readonly running: Running[] = [];
  private stopping = false;
  private readonly write: (text: string) => void;
  private readonly killOnExit = () => {
    for (const { child } of this.running) sendSignal(child, 'SIGKILL', true);
  };

  /** Settles with the first KME that exits while not being stopped. */
  readonly unexpectedExit: Promise<KmeExit>;
  /** The same, as a reason to give up waiting on the pair. */
  readonly abandoned: Promise<string>;
  private reportUnexpected!: (exit: KmeExit) => void;

  constructor(private readonly options: KmePairOptions) {
    this.write = options.write ?? ((text) => process.stdout.write(text));
    this.unexpectedExit = new Promise((resolve) => (this.reportUnexpected = resolve));
    this.abandoned = this.unexpectedExit.then(
      ({ label, code, signal }) => `${label} exited (code ${code}, signal ${signal})`,
    );
  }

  get pids(): number[] {
    return this.running.flatMap(({ child }) => (child.pid === undefined ? [] : [child.pid]));
  }

  start(): void {
    process.on('exit', this.killOnExit);
    for (const spec of this.options.kmes) this.running.push(this.spawnKme(spec));
  }

  /** Resolves when every KME answers 200 on readyPath; rejects if one exits or times out. */
  async waitReady(): Promise<void> {
    const path = this.options.readyPath ?? '/api/docs-json';
    const timeoutMs = this.options.readyTimeoutMs ?? 120_000;
    await Promise.all(
      this.running.map(({ spec }) =>
        waitFor200(`https://localhost:${spec.port}${path}`, timeoutMs, this.abandoned),
      ),
    );
  }

  /**
   * SIGTERM to every KME, SIGKILL to those still there after the grace period; says how each
   * stopped, so that a hung shutdown is reported rather than hidden by the SIGKILL.
   */
  async stop(): Promise<KmeStopped[]> {
    this.stopping = true;
    const graceMs = this.options.stopGraceMs ?? 12_000;
    const stopped = await Promise.all(
      this.running.map(async ({ spec, child }) => ({
        label: spec.label,
        outcome: await stopChild(child, graceMs, true),
        graceMs,
      })),
    );
    process.removeListener('exit', this.killOnExit);
    return stopped;
  }

  /** For a second Ctrl-C: no more waiting. */
  kill(): void {
    this.stopping = true;
    for (const { child } of this.running) {
      if (!hasExited(child)) sendSignal(child, 'SIGKILL', true);
    }
  }

  private spawnKme(spec: KmeSpec): Running {
    const useColor = this.options.useColor ?? false;
    const prefix = makePrefix(spec.label, spec.color, useColor);
    const child = spawn(process.execPath, [spec.entry], {
      cwd: this.options.cwd,
      env: {
        ...KME_RUNTIME_ENV,
        ...(this.options.env ?? process.env),
        PORT: String(spec.port),
        AMQP_URL: this.options.amqpUrl,
      },
      // Own process group: Ctrl-C reaches only the launcher, which stops the KMEs in order.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) forEachLine(stream, (line) => this.write(prefixLines(prefix, [line])));
    }
    const exit = new Promise<KmeExit>((resolve) => {
      child.once('error', (error) => {
        this.write(prefixLines(prefix, [`could not start: ${error.message}`]));
        resolve({ label: spec.label, code: null, signal: null });
      });
      // 'close', not 'exit': its last output lines are through by then.
      child.once('close', (code, signal) => resolve({ label: spec.label, code, signal }));
    });
    void exit.then((result) => {
      if (this.stopping) return;
      this.write(
        prefixLines(prefix, [`exited unexpectedly (code ${result.code}, signal ${result.signal})`]),
      );
      this.reportUnexpected(result);
    });
    return { spec, child, exit };
  }
}

export interface ReadyInfo {
  masterPort: number;
  slavePort: number;
  brokerUrl: string;
}

/** What `npm start` prints once both KMEs answer. Paths are relative to the repository root. */
export function readyMessage({ masterPort, slavePort, brokerUrl }: ReadyInfo): string {
  const master = `https://localhost:${masterPort}`;
  const slave = `https://localhost:${slavePort}`;
  return [
    '',
    `KME pair ready (broker ${brokerUrl}). Swagger UI:`,
    `  kme-1, master KME: ${master}/api/docs`,
    `  kme-2, slave KME:  ${slave}/api/docs`,
    '',
    'Get a key for sae-1 (an SAE of kme-1) to share with sae-2:',
    `  curl --cacert certs/ca.crt --cert certs/sae-1.crt --key certs/sae-1.key ${master}/api/v1/keys/sae-2/enc_keys`,
    'then fetch the same key as sae-2 at kme-2:',
    `  curl --cacert certs/ca.crt --cert certs/sae-2.crt --key certs/sae-2.key "${slave}/api/v1/keys/sae-1/dec_keys?key_ID=<key_ID from above>"`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}
