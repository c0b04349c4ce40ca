// `npm run bench`: builds the KMEs if needed, starts the pair on a real broker with a bare
// mutual-TLS reference server beside it, measures relay throughput, memory and each ETSI route
// at each concurrency, prints the figures against the targets of issues #9 (Express platform)
// and #10 (durable KMEs) and saves them as JSON under bench/results/. With --durability both
// the whole suite runs once per DURABILITY, each on a fresh pair; with --soak, a soak runs
// instead. `npm run bench -- --help` lists the options.
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { KME_RUNTIME_ENV } from '../scripts/lib/kme-runtime-env';
import { findFreePort } from '../scripts/lib/net-util';
import { ensureDevPki } from '../scripts/lib/pki';
import { closeSaeClients, openSaeClients, type TlsIdentity } from './client';
import { LoadAbortedError, runLoad, type LoadResult } from './load';
import {
  judgedDurability,
  parseBenchArgs,
  SOAK_CONCURRENCY,
  SOAK_SAMPLE_SEC,
  USAGE,
  UsageError,
  type BenchOptions,
  type Durability,
  type ScenarioId,
} from './options';
import { measureRelay, waitForPools, type PoolProbe, type RelayResult } from './pool';
import {
  currentLoadAverage,
  filesystemOf,
  machineInfo,
  readMemory,
  readPidFile,
  type MachineInfo,
} from './proc';
import {
  KmeProcess,
  REPO_ROOT,
  RESULTS_DIR,
  ReferenceServerProcess,
  builtEntriesIn,
  ensureBuilt,
  resultsFileStem,
  startBroker,
  type Broker,
  type BuiltEntries,
} from './processes';
import { Progress } from './progress';
import {
  RELAY_LABEL,
  SOAK_KMES,
  cpuTable,
  evaluateTargets,
  formatInt,
  parseBaseline,
  renderReport,
  renderText,
  soakTargets,
  suitesOf,
  summarize,
  type Baseline,
  type BenchResults,
  type MeasuredRun,
  type MemoryFigures,
  type ScenarioRun,
  type SuiteResults,
} from './report';
import {
  KEY_BITS,
  MASTER_SAE,
  SCENARIOS,
  SLAVE_SAE,
  SOAK_DIRECTIONS,
  storedKeyCountOf,
  type Endpoints,
  type SaeClients,
} from './scenarios';
import { runSoak, type SoakRun } from './soak';

const PKI_DIR = join(tmpdir(), 'qkd-kme-bench-pki');
/** The pool of the memory figure, and the cap the load scenarios draw from. */
const POOL_KEYS = 1_000_000;
/** Settings of both KMEs, besides ports, PKI, queue, DATA_DIR, KEY_STORE and DURABILITY. */
const KME_ENVIRONMENT: Readonly<Record<string, string>> = {
  KEY_RATE_BPS: '0',
  MAX_KEY_COUNT: String(POOL_KEYS),
  DEFAULT_KEY_SIZE: String(KEY_BITS),
  MAX_KEYS_PER_REQUEST: '128',
  LOG_LEVEL: 'warn',
};
/** Before each KME scenario both pools hold at least this share of the cap. */
const REFILL_SHARE = 0.9;
const RELAY_POLL_MS = 20;
const RELAY_TIMEOUT_MS = 180_000;
const REFILL_TIMEOUT_MS = 120_000;
/**
 * After the pools are full, before reading the memory: the resident set of a KME holding the
 * keys, not of one that has just relayed them at full speed. V8 gives back the relay's garbage
 * once allocation has been quiet for a while: 163 -> 132 MB about 13 s after the fill on one
 * machine, 171 -> 133 MB only after 20 s on a slower one, where a 20 s wait read the peak. 60 s
 * reads the resident set the KME keeps; the peak is reported beside it.
 */
const MEMORY_SETTLE_MS = 60_000;
/** Buckets of the soak's request rate. */
const SOAK_BUCKET_MS = 60_000;
/** Filesystems where a commit never reaches a disk: DURABILITY=power costs nothing there. */
const MEMORY_FILESYSTEMS = new Set(['tmpfs', 'ramfs']);

class Interrupted extends Error {}

/** A KME or the reference server died: its output says why, a stack trace would not. */
class ChildDied extends Error {}

interface Session {
  readonly options: BenchOptions;
  readonly progress: Progress;
  readonly signal: AbortSignal;
  readonly ca: Buffer;
  readonly sae1: TlsIdentity;
  readonly sae2: TlsIdentity;
}

/** What the suites share: the built entries, the broker and the reference server. */
interface Shared {
  readonly session: Session;
  readonly resources: Resources;
  readonly entries: BuiltEntries;
  readonly broker: Broker;
  readonly reference: ReferenceServerProcess;
}

/** One suite's figures as they come in, so an interrupted suite still reports what it has. */
interface SuiteProgress {
  readonly durability: Durability;
  readonly kmeEnvironment: Readonly<Record<string, string>>;
  readonly scenarios: ScenarioRun[];
  relay?: RelayResult;
  memory?: MemoryFigures;
  soak?: SoakRun;
}

/**
 * What has been started, stopped in reverse order at the end, on error or on Ctrl-C. A suite
 * stops what it added itself (its pair) with stopTo(mark()).
 */
class Resources {
  private readonly entries: { label: string; stop: () => Promise<void>; kill?: () => void }[] = [];

  add(label: string, stop: () => Promise<void>, kill?: () => void): void {
    this.entries.push({ label, stop, kill });
  }

  /** How many are held now, for stopTo. */
  mark(): number {
    return this.entries.length;
  }

  /** Stops, in reverse order, what was added since `mark`. */
  async stopTo(mark: number, say: (line: string) => void): Promise<void> {
    while (this.entries.length > mark) {
      const { label, stop } = this.entries.pop()!;
      try {
        await stop();
      } catch (error) {
        say(`while stopping ${label}: ${message(error)}`);
      }
    }
  }

  stopAll(say: (line: string) => void): Promise<void> {
    return this.stopTo(0, say);
  }

  /** Second Ctrl-C: no more waiting; in reverse order too (the KMEs before their data). */
  killAll(): void {
    for (const { kill } of [...this.entries].reverse()) {
      try {
        kill?.();
      } catch {
        // Killing what is left matters more than why one of them resisted.
      }
    }
  }
}

async function main(): Promise<number> {
  let options: BenchOptions;
  let baseline: Baseline | undefined;
  try {
    options = parseBenchArgs(process.argv.slice(2));
    if (options.baselineFile !== undefined) baseline = loadBaseline(options.baselineFile);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const progress = new Progress();
  const say = (line: string) => progress.say(line);
  const abort = new AbortController();
  // Every request in flight listens on it (32 per scenario and more): not a leak.
  setMaxListeners(0, abort.signal);
  const resources = new Resources();
  let signals = 0;
  const onSignal = (name: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      say(`${name}: stopping (again to kill everything at once)`);
      abort.abort();
    } else {
      resources.killAll();
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const machine = machineInfo();
  say(
    `bench: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ` +
      `load average ${machine.loadAverageStart.toFixed(2)}`,
  );
  if (machine.loadAverageStart > machine.cores * 0.5) {
    say('warning: the machine is busy; the figures will be noisy (compare ratios, not absolutes)');
  }
  if (baseline !== undefined) {
    say(`baseline: ${baseline.file}${baseline.timestamp ? ` (${baseline.timestamp})` : ''}`);
  }

  const timestamp = new Date().toISOString();
  const suites: SuiteProgress[] = [];
  let broker: Broker | undefined;
  let failure: unknown;
  try {
    let entries: BuiltEntries;
    if (options.kmesFrom === undefined) {
      entries = ensureBuilt(options.build, say);
    } else {
      entries = builtEntriesIn(options.kmesFrom);
      say(`measuring the KMEs built in ${options.kmesFrom}`);
    }
    ensureDevPki({ dir: PKI_DIR, names: ['kme-1', 'kme-2', MASTER_SAE, SLAVE_SAE] });
    const pem = (file: string) => readFileSync(join(PKI_DIR, file));
    const session: Session = {
      options,
      progress,
      signal: abort.signal,
      ca: pem('ca.crt'),
      sae1: { cert: pem(`${MASTER_SAE}.crt`), key: pem(`${MASTER_SAE}.key`) },
      sae2: { cert: pem(`${SLAVE_SAE}.crt`), key: pem(`${SLAVE_SAE}.key`) },
    };

    broker = await abortable(startBroker(say), abort.signal);
    const started = broker;
    resources.add('the broker', () => {
      say('stopping the broker');
      return started.stop();
    });

    const reference = new ReferenceServerProcess({
      caFile: join(PKI_DIR, 'ca.crt'),
      certFile: join(PKI_DIR, 'kme-1.crt'),
      keyFile: join(PKI_DIR, 'kme-1.key'),
      allowedCommonNames: [MASTER_SAE, SLAVE_SAE],
    });
    resources.add(
      'the reference server',
      () => reference.stop(),
      () => reference.kill(),
    );
    await abortable(reference.start(), abort.signal);

    const shared: Shared = { session, resources, entries, broker: started, reference };
    for (const durability of options.durabilities) {
      if (options.durabilities.length > 1) {
        say(`durability ${durability}: a fresh pair, the whole suite`);
      }
      const suite: SuiteProgress = {
        durability,
        kmeEnvironment: {
          ...KME_ENVIRONMENT,
          KEY_STORE: options.store,
          DURABILITY: durability,
        },
        scenarios: [],
      };
      suites.push(suite);
      const mark = resources.mark();
      try {
        await runSuite(shared, suite);
      } finally {
        await resources.stopTo(mark, say);
      }
    }
  } catch (error) {
    failure = error;
  } finally {
    progress.end();
    await resources.stopAll(say);
  }

  const interrupted = abort.signal.aborted;
  if (failure !== undefined && !interrupted && !(failure instanceof Interrupted)) {
    const detail =
      failure instanceof ChildDied || !(failure instanceof Error)
        ? message(failure)
        : (failure.stack ?? failure.message);
    say(`bench failed: ${detail}`);
  }
  machine.loadAverageEnd = currentLoadAverage();
  const results = buildResults(
    timestamp,
    machine,
    options,
    broker,
    suites,
    baseline,
    failure === undefined,
  );
  const measured = suitesOf(results).some(
    (suite) => suite.scenarios.length > 0 || suite.relay !== undefined || suite.soak !== undefined,
  );
  if (measured) print(results, options);
  if (results.complete && options.save) {
    const files = save(results, options.outFile);
    say(`results saved: ${files.join(', ')}`);
  } else if (options.save) {
    say('results not saved: the run is incomplete');
  }
  if (interrupted) return 130;
  if (!results.complete) return 1;
  return options.strict && results.targets.some((target) => target.pass === false) ? 1 : 0;
}

/** The --baseline file's load figures; a UsageError when it cannot be used. */
function loadBaseline(file: string): Baseline {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch (error) {
    throw new UsageError(`--baseline: cannot read ${file}: ${message(error)}`);
  }
  try {
    return parseBaseline(text, file);
  } catch (error) {
    throw new UsageError(`--baseline: ${message(error)}`);
  }
}

/**
 * One suite on a fresh pair: its own DATA_DIRs, ports and queue. The relay and the memory of
 * full pools, then each load scenario at each concurrency; or, with --soak, the soak alone.
 * What it starts is stopped by the caller.
 */
async function runSuite(shared: Shared, suite: SuiteProgress): Promise<void> {
  const { session, resources, entries, reference } = shared;
  const { options, progress } = session;
  const signal = session.signal;
  const say = (line: string) => progress.say(line);

  // Each KME's DATA_DIR, fresh: a directory of the pair's own under the temp directory.
  const dataRoot = mkdtempSync(join(tmpdir(), 'qkd-kme-bench-data-'));
  const removeData = () => rmSync(dataRoot, { recursive: true, force: true });
  resources.add('the key stores', () => Promise.resolve(removeData()), removeData);
  const dataFs = filesystemOf(realpathSync(dataRoot));
  if (options.store === 'sqlite' && dataFs !== undefined && MEMORY_FILESYSTEMS.has(dataFs)) {
    say(
      `warning: the key stores are on ${dataFs} (${tmpdir()}): commits never reach a disk, so ` +
        'DURABILITY costs less than it would; set TMPDIR to a directory on disk',
    );
  }

  const masterPort = await findFreePort();
  let slavePort = await findFreePort();
  while (slavePort === masterPort) slavePort = await findFreePort();
  const queue = `bench-${randomUUID()}`;
  const kmeEnv = (self: 'kme-1' | 'kme-2', port: number, peerPort: number) => {
    const master = self === 'kme-1';
    const env: Record<string, string> = {
      // As npm start and the image run them.
      ...KME_RUNTIME_ENV,
      PATH: process.env.PATH ?? '',
      NO_COLOR: '1',
      PORT: String(port),
      KME_ID: self,
      LINKED_KME_ID: master ? 'kme-2' : 'kme-1',
      ATTACHED_SAE_ID: master ? MASTER_SAE : SLAVE_SAE,
      LINKED_SAE_ID: master ? SLAVE_SAE : MASTER_SAE,
      LINKED_TO_KME: `https://localhost:${peerPort}`,
      CA_FILE: join(PKI_DIR, 'ca.crt'),
      KME_CERT: join(PKI_DIR, `${self}.crt`),
      KME_KEY: join(PKI_DIR, `${self}.key`),
      AMQP_URL: shared.broker.url,
      MQ_SHARED_QUEUE: queue,
      DATA_DIR: join(dataRoot, self),
      ...suite.kmeEnvironment,
    };
    return env;
  };
  // For profiling: node arguments for both KMEs, e.g.
  // BENCH_KME_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/kme-prof' (written when the KME stops).
  const nodeArgs = (process.env.BENCH_KME_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const master = new KmeProcess(
    'kme-1',
    entries.master,
    masterPort,
    kmeEnv('kme-1', masterPort, slavePort),
    nodeArgs,
  );
  const slave = new KmeProcess(
    'kme-2',
    entries.slave,
    slavePort,
    kmeEnv('kme-2', slavePort, masterPort),
    nodeArgs,
  );
  resources.add(
    'the KMEs',
    async () => {
      say('stopping the KMEs');
      await Promise.all([master.stop(), slave.stop()]);
    },
    () => {
      master.kill();
      slave.kill();
    },
  );

  /** The promise, unless a child process dies first: then its exit and output. */
  const whileAlive = <T>(promise: Promise<T>): Promise<T> => {
    const deaths = [master, slave, reference].map((child) =>
      child.died().catch((error: Error) => Promise.reject(new ChildDied(error.message))),
    );
    // Whoever loses the race must not turn into an unhandled rejection later.
    for (const death of deaths) void death.catch(() => undefined);
    return Promise.race([promise, ...deaths]);
  };

  const endpoints: Endpoints = {
    master: `https://127.0.0.1:${masterPort}`,
    slave: `https://127.0.0.1:${slavePort}`,
    reference: `https://127.0.0.1:${reference.port}`,
  };
  const statusClients = openSaeClients(session, endpoints, 1, signal);
  resources.add('the status clients', () => closeSaeClients(statusClients));
  const masterProbe: PoolProbe = async () =>
    storedKeyCountOf(await statusClients.sae1.status(SLAVE_SAE));
  const slaveProbe: PoolProbe = async () =>
    storedKeyCountOf(await statusClients.sae2.status(MASTER_SAE));

  // The slave KME first, so its pool is seen empty before the master KME ships anything.
  say(
    `starting the slave KME (kme-2, :${slavePort}), then the master KME (kme-1, :${masterPort}); ` +
      `store ${options.store}, durability ${suite.durability}`,
  );
  slave.start();
  await abortable(slave.waitServing(), signal);
  master.start();
  const masterServing = master.waitServing();
  masterServing.catch(() => undefined);

  const measureMemory = options.relay && options.soakMinutes === undefined;
  if (measureMemory) {
    const label = `${RELAY_LABEL} (KEY_RATE_BPS=0)`;
    progress.begin(label, POOL_KEYS, 'waiting for material');
    const relay = await whileAlive(
      measureRelay(slaveProbe, {
        capKeys: POOL_KEYS,
        keyBits: KEY_BITS,
        intervalMs: RELAY_POLL_MS,
        timeoutMs: RELAY_TIMEOUT_MS,
        signal,
        onSample: (count, elapsedMs) =>
          progress.update(count, `${formatInt(count)} keys, ${(elapsedMs / 1000).toFixed(1)} s`),
      }),
    );
    suite.relay = relay;
    progress.end(
      Progress.line(
        label,
        `${relay.mbitPerSec.toFixed(1)} Mbit/s: ${formatInt(relay.keys)} keys in ${(relay.ms / 1000).toFixed(2)} s` +
          (relay.complete ? '' : ' (the pool never filled)'),
      ),
    );
  }
  await abortable(masterServing, signal);
  await whileAlive(fillPools(session, [masterProbe, slaveProbe], POOL_KEYS, 'filling both pools'));
  checkAlive([master, slave, reference]);

  if (measureMemory) {
    await delay(MEMORY_SETTLE_MS, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) throw new Interrupted();
    const memory: MemoryFigures = {
      keys: POOL_KEYS,
      keyBits: KEY_BITS,
      settledMs: MEMORY_SETTLE_MS,
      master: readMemory(master.pid!),
      slave: readMemory(slave.pid!),
    };
    suite.memory = memory;
    say(
      Progress.line(
        `resident memory, ${formatInt(POOL_KEYS)} keys of ${KEY_BITS} bits`,
        `kme-1 ${memory.master.rssMb.toFixed(1)} MB (peak ${memory.master.peakRssMb.toFixed(1)}), ` +
          `kme-2 ${memory.slave.rssMb.toFixed(1)} MB (peak ${memory.slave.peakRssMb.toFixed(1)}), ` +
          `${MEMORY_SETTLE_MS / 1000} s after the fill`,
      ),
    );
  }

  if (options.soakMinutes !== undefined) {
    await soak(session, suite, options.soakMinutes, endpoints, { master, slave }, whileAlive);
    checkAlive([master, slave, reference]);
    return;
  }

  const brokerPid =
    shared.broker.pidFile === undefined ? undefined : readPidFile(shared.broker.pidFile);
  const cpuPids = new Map<string, number>([
    ['kme-1', master.pid!],
    ['kme-2', slave.pid!],
    ['reference', reference.pid!],
  ]);
  if (brokerPid !== undefined) cpuPids.set('broker', brokerPid);

  const plan: ScenarioId[] = [...options.scenarios];
  if (options.referenceTwice) plan.push('reference');
  const scenarios = suite.scenarios;
  for (const id of plan) {
    for (const concurrency of options.concurrencies) {
      if (id !== 'reference') {
        await whileAlive(
          fillPools(
            session,
            [masterProbe, slaveProbe],
            Math.floor(POOL_KEYS * REFILL_SHARE),
            'refilling the pools',
          ),
        );
      }
      checkAlive([master, slave, reference]);
      const outcome = await measure(session, id, concurrency, endpoints, cpuPids);
      checkAlive([master, slave, reference]);
      const runs: MeasuredRun[] = [];
      if ('result' in outcome) {
        const rssAfterMb = {
          'kme-1': readMemory(master.pid!).rssMb,
          'kme-2': readMemory(slave.pid!).rssMb,
        };
        runs.push({ ...outcome.result, rssAfterMb });
      }
      const row = scenarios.findIndex((run) => run.id === id && run.concurrency === concurrency);
      if (row >= 0) {
        scenarios[row] = { ...scenarios[row], runs: [...scenarios[row].runs, ...runs] };
      } else {
        scenarios.push({
          id,
          title: SCENARIOS[id].title,
          concurrency,
          runs,
          skipped: 'skipped' in outcome ? outcome.skipped : undefined,
        });
      }
    }
  }
}

/**
 * The soak: round trips both ways (half the workers each way) at SOAK_CONCURRENCY for the
 * minutes asked, both KMEs' RSS read from /proc every SOAK_SAMPLE_SEC. An interrupted soak
 * keeps what it measured, and the run is incomplete.
 */
async function soak(
  session: Session,
  suite: SuiteProgress,
  minutes: number,
  endpoints: Endpoints,
  kmes: { readonly master: KmeProcess; readonly slave: KmeProcess },
  whileAlive: <T>(promise: Promise<T>) => Promise<T>,
): Promise<void> {
  const { progress, signal } = session;
  const clients: SaeClients = openSaeClients(session, endpoints, SOAK_CONCURRENCY, signal);
  const durationMs = minutes * 60_000;
  const label = `soak, round trips both ways, ×${SOAK_CONCURRENCY}`;
  try {
    for (const direction of SOAK_DIRECTIONS) {
      try {
        await direction.run(clients);
      } catch (error) {
        throw new Error(`soak: the first round trip ${direction.name} failed: ${message(error)}`);
      }
    }
    const pids = { 'kme-1': kmes.master.pid!, 'kme-2': kmes.slave.pid! };
    progress.begin(label, durationMs, 'starting');
    const result = await whileAlive(
      runSoak({
        durationMs,
        concurrency: SOAK_CONCURRENCY,
        directions: SOAK_DIRECTIONS.map(({ name, run }) => ({
          name,
          op: () => run(clients),
        })),
        requestsPerOp: 2,
        readRss: () =>
          Object.fromEntries(SOAK_KMES.map(({ name }) => [name, readMemory(pids[name]).rssMb])),
        sampleEveryMs: SOAK_SAMPLE_SEC * 1000,
        bucketMs: SOAK_BUCKET_MS,
        signal,
        onSample: (sample, operations, errors) =>
          progress.update(
            Math.min(sample.atMs, durationMs),
            `${formatInt(operations)} round trips` +
              (errors > 0 ? `, ${formatInt(errors)} failed` : '') +
              `; RSS ${SOAK_KMES.map(({ name }) => `${name} ${sample.rssMb[name]?.toFixed(0)} MB`).join(', ')}`,
          ),
      }),
    );
    suite.soak = result;
    const seconds = result.elapsedMs / 1000;
    progress.end(
      Progress.line(
        label,
        `${formatInt(result.operations)} round trips in ${seconds.toFixed(0)} s ` +
          `(${formatInt(seconds > 0 ? (result.operations * 2) / seconds : 0)} requests/s)` +
          (result.errors > 0 ? `, ${formatInt(result.errors)} failed` : ''),
      ),
    );
    if (!result.complete) throw new Interrupted();
  } finally {
    await closeSaeClients(clients);
  }
}

/** One scenario at one concurrency: a preflight request, then the timed load. */
async function measure(
  session: Session,
  id: ScenarioId,
  concurrency: number,
  endpoints: Endpoints,
  cpuPids: ReadonlyMap<string, number>,
): Promise<{ result: LoadResult } | { skipped: string }> {
  const { options, progress, signal } = session;
  const scenario = SCENARIOS[id];
  const clients: SaeClients = openSaeClients(session, endpoints, concurrency, signal);
  const label = `${scenario.title}, ×${concurrency}`;
  try {
    try {
      await scenario.run(clients);
    } catch (error) {
      progress.say(Progress.line(label, `skipped: the first request failed: ${message(error)}`));
      return { skipped: `first request failed: ${message(error).slice(0, 120)}` };
    }
    const warmupMs = options.warmupSec * 1000;
    const durationMs = options.durationSec * 1000;
    progress.begin(label, warmupMs + durationMs, 'warming up');
    const result = await runLoad({
      concurrency,
      warmupMs,
      durationMs,
      op: () => scenario.run(clients),
      keysPerOp: scenario.keysPerOp,
      requestsPerOp: scenario.requestsPerOp,
      cpuPids,
      signal,
      onTick: (tick) =>
        progress.update(
          tick.elapsedMs,
          tick.measuring
            ? `${formatInt(tick.opsPerSec)} ops/s` +
                (tick.errors > 0 ? `, ${tick.errors} errors` : '')
            : 'warming up',
        ),
    });
    const latency = result.latency;
    progress.end(
      Progress.line(
        label,
        `${formatInt(result.opsPerSec)} ops/s` +
          (scenario.keysPerOp > 1 ? `, ${formatInt(result.keysPerSec)} keys/s` : '') +
          (latency
            ? `, p50 ${latency.p50Ms.toFixed(2)} ms, p99 ${latency.p99Ms.toFixed(2)} ms`
            : '') +
          (result.errors > 0 ? `, ${result.errors} errors` : ''),
      ),
    );
    return { result };
  } catch (error) {
    if (error instanceof LoadAbortedError) throw new Interrupted();
    throw error;
  } finally {
    await closeSaeClients(clients);
  }
}

/** Waits, with a bar, until both KMEs report at least `keys` stored keys. */
async function fillPools(
  session: Session,
  probes: readonly PoolProbe[],
  keys: number,
  label: string,
): Promise<void> {
  const { progress, signal } = session;
  progress.begin(label, keys, '');
  const began = performance.now();
  const full = await waitForPools(probes, keys, REFILL_TIMEOUT_MS, signal, (lowest) =>
    progress.update(Math.min(lowest, keys), `${formatInt(lowest)} keys`),
  );
  if (signal.aborted) throw new Interrupted();
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  if (!full) {
    progress.end(
      Progress.line(
        label,
        `warning: not ${formatInt(keys)} keys after ${seconds} s; measuring anyway`,
      ),
    );
  } else {
    progress.end();
  }
}

function checkAlive(children: readonly { failure(): string | undefined }[]): void {
  for (const child of children) {
    const why = child.failure();
    if (why !== undefined) throw new ChildDied(why);
  }
}

function buildResults(
  timestamp: string,
  machine: MachineInfo,
  options: BenchOptions,
  broker: Broker | undefined,
  suites: readonly SuiteProgress[],
  baseline: Baseline | undefined,
  complete: boolean,
): BenchResults {
  const judged = judgedDurability(options.durabilities);
  const results = (suite: SuiteProgress): SuiteResults => ({
    durability: suite.durability,
    figures: summarize(suite.scenarios, suite.relay, suite.memory, suite.soak),
    scenarios: suite.scenarios,
    relay: suite.relay,
    memory: suite.memory,
    soak: suite.soak,
  });
  const judgedSuite: SuiteProgress = suites.find((suite) => suite.durability === judged) ?? {
    durability: judged,
    kmeEnvironment: { ...KME_ENVIRONMENT, KEY_STORE: options.store, DURABILITY: judged },
    scenarios: [],
  };
  const others = suites.filter((suite) => suite !== judgedSuite).map(results);
  const targets =
    options.soakMinutes !== undefined
      ? judgedSuite.soak === undefined
        ? []
        : soakTargets(judgedSuite.soak)
      : evaluateTargets(
          judgedSuite.scenarios,
          options.concurrencies,
          judgedSuite.relay,
          judgedSuite.memory,
          baseline,
        );
  return {
    timestamp,
    machine,
    settings: {
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      concurrencies: options.concurrencies,
      broker: broker?.description ?? 'none',
      store: options.store,
      durabilities: options.durabilities,
      soakMinutes: options.soakMinutes,
      kmesFrom: options.kmesFrom,
      kmeEnvironment: judgedSuite.kmeEnvironment,
    },
    ...results(judgedSuite),
    otherSuites: others.length > 0 ? others : undefined,
    baseline,
    targets,
    complete,
  };
}

function print(results: BenchResults, options: BenchOptions): void {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  out('');
  out(renderReport(results, false));
  const suites = suitesOf(results);
  for (const suite of suites) {
    if (suite.scenarios.length === 0) continue;
    out('');
    out(
      'CPU during each measured window (% of one core) and resident memory after it' +
        (suites.length > 1 ? `, durability ${suite.durability}:` : ':'),
    );
    out(renderText(cpuTable(suite.scenarios)));
  }
  const failures = suites.flatMap((suite) => {
    const where = suites.length > 1 ? ` (durability ${suite.durability})` : '';
    return [
      ...suite.scenarios.flatMap((run) =>
        run.runs.flatMap((result) =>
          Object.entries(result.errorKinds).map(
            ([kind, { count, example }]) =>
              `  ${run.title}, ×${run.concurrency}${where}: ${count} × ${kind}: ${example}`,
          ),
        ),
      ),
      ...Object.entries(suite.soak?.errorKinds ?? {}).map(
        ([kind, { count, example }]) => `  soak${where}: ${count} × ${kind}: ${example}`,
      ),
    ];
  });
  if (failures.length > 0)
    out(['', 'Failed operations (warm-up included):', ...failures].join('\n'));
  if (options.markdown) {
    out('');
    out('Markdown, for the README:');
    out('');
    out(renderReport(results, true));
  }
}

/** bench/results/<timestamp>.json and bench/results/latest.json, each written whole. */
function save(results: BenchResults, outFile: string | undefined): string[] {
  const text = `${JSON.stringify(results, null, 2)}\n`;
  const name = `${resultsFileStem(results.timestamp)}.json`;
  const files =
    outFile === undefined ? [join(RESULTS_DIR, name), join(RESULTS_DIR, 'latest.json')] : [outFile];
  for (const file of files) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  }
  return files.map((file) => relative(REPO_ROOT, file));
}

/** Rejects with Interrupted as soon as the signal aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Interrupted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Exit once stdout is written out (a pipe is written asynchronously), whatever is still open.
main().then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      () => process.exit(1),
    );
  },
);
