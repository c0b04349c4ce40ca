// `npm start`: builds if needed, makes the dev PKI if missing, finds or starts a RabbitMQ, runs the
// master KME (kme-1, :8000) and the slave KME (kme-2, :9000), and stops all it started on Ctrl-C.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { redactUrl, amqpEndpoint } from './lib/amqp-url';
import { findEntry, isBuildStale, mtimeOf, newestInputMtime } from './lib/build-check';
import { httpsGet, pollUntil, storedKeyCount } from './lib/https-probe';
import { KmePair, readyMessage } from './lib/kme-pair';
import { makePrefix, prefixLines } from './lib/line-prefixer';
import { canConnect, isPortFree } from './lib/net-util';
import { PrivateRabbitMq } from './lib/private-rabbitmq';
import { describeStop, stoppedCleanly } from './lib/processes';

const ROOT = resolve(__dirname, '..');
const MASTER_PORT = 8000;
const SLAVE_PORT = 9000;
const DEFAULT_AMQP_PORT = 5672;
/** Set for one KME each; the same value in the user's environment would reach both. */
const PER_KME_VARIABLES = [
  'KME_ID',
  'LINKED_KME_ID',
  'ATTACHED_SAE_ID',
  'LINKED_SAE_ID',
  'LINKED_TO_KME',
  'KME_CERT',
  'KME_KEY',
  'MQ_SHARED_QUEUE',
];

const useColor = process.stdout.isTTY === true && !process.env.NO_COLOR;
const launcherPrefix = makePrefix('start', 'green', useColor);
const say = (...lines: string[]) => process.stdout.write(prefixLines(launcherPrefix, lines));

class StartError extends Error {}

let broker: PrivateRabbitMq | undefined;
let pair: KmePair | undefined;
let shuttingDown = false;

async function main(): Promise<void> {
  process.chdir(ROOT);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => onSignal(signal));
  }
  warnAboutSharedVariables();

  const entries = await ensureBuilt();
  await ensureCerts();
  await checkKmePortsFree();
  const brokerUrl = await findBroker();
  if (shuttingDown) return;

  pair = new KmePair({
    kmes: [
      { label: 'kme-1', entry: entries.master, port: MASTER_PORT, color: 'cyan' },
      { label: 'kme-2', entry: entries.slave, port: SLAVE_PORT, color: 'magenta' },
    ],
    amqpUrl: brokerUrl,
    cwd: ROOT,
    // Nest colors its logs even into a pipe; NO_COLOR is the switch it honours.
    env: useColor ? process.env : { NO_COLOR: '1', ...process.env },
    useColor,
  });
  void pair.unexpectedExit.then(() => shutdown(1, 'a KME exited; stopping the rest'));
  pair.start();
  say(`kme-1 (master KME) on :${MASTER_PORT}, kme-2 (slave KME) on :${SLAVE_PORT}: starting`);
  try {
    await pair.waitReady();
  } catch (error) {
    if (!shuttingDown) await shutdown(1, `KMEs not ready: ${message(error)}`);
    return;
  }
  await waitForKeyMaterial(pair);
  if (shuttingDown) return;
  // Unprefixed, so the curl lines copy and paste cleanly.
  process.stdout.write(
    readyMessage({
      masterPort: MASTER_PORT,
      slavePort: SLAVE_PORT,
      brokerUrl: redactUrl(brokerUrl),
    }) +
      `Live dashboard of both KMEs: https://localhost:${MASTER_PORT}/dashboard (or npx kme watch)\n\n`,
  );
}

/**
 * Up is not yet usable: the link syncs and the first material arrives a moment later. Waiting for
 * kme-1's ETSI status to count stored keys lets the printed curl work at once.
 */
async function waitForKeyMaterial(running: KmePair): Promise<void> {
  const [cert, key] = ['sae-1.crt', 'sae-1.key'].map((name) => join(ROOT, 'certs', name));
  if (!existsSync(cert) || !existsSync(key)) return;
  const tls = { cert: readFileSync(cert), key: readFileSync(key) };
  const url = `https://localhost:${MASTER_PORT}/api/v1/keys/sae-2/status`;
  const hasKeys = async () => {
    const response = await httpsGet(url, 2_000, tls);
    return response?.status === 200 && (storedKeyCount(response.body) ?? 0) > 0;
  };
  try {
    await pollUntil(hasKeys, 'key material at kme-1', 20_000, running.abandoned, 300);
  } catch (error) {
    if (!shuttingDown) say(`note: ${message(error)}; enc_keys may answer 503 for a while`);
  }
}

function warnAboutSharedVariables(): void {
  const shared = PER_KME_VARIABLES.filter((name) => process.env[name]);
  if (process.env.PORT) shared.push('PORT (ignored: the launcher sets 8000 and 9000)');
  if (shared.length > 0) {
    say(`warning: set in your environment, so given to BOTH KMEs: ${shared.join(', ')}`);
  }
}

async function ensureBuilt(): Promise<{ master: string; slave: string }> {
  const entries = () => ({ master: findEntry(ROOT, 'master'), slave: findEntry(ROOT, 'slave') });
  let found = entries();
  const inputs = newestInputMtime([
    join(ROOT, 'apps'),
    join(ROOT, 'libs'),
    join(ROOT, 'tsconfig.json'),
    join(ROOT, 'tsconfig.build.json'),
    join(ROOT, 'nest-cli.json'),
  ]);
  const outputs = [
    ...[found.master, found.slave].map((entry) =>
      entry === undefined ? undefined : mtimeOf(entry),
    ),
    // The `kme` CLI of the README's quick start (package.json "bin").
    mtimeOf(join(ROOT, 'dist', 'cli', 'cli', 'main.js')),
  ];
  if (isBuildStale(outputs, inputs)) {
    say('building (npm run build): dist/ is missing or older than apps/ or libs/');
    await runStep('npm', ['run', 'build'], 'build');
    found = entries();
  }
  if (found.master === undefined || found.slave === undefined) {
    throw new StartError(
      'npm run build left no dist/apps/master/main.js or dist/apps/slave/main.js',
    );
  }
  return { master: found.master, slave: found.slave };
}

async function ensureCerts(): Promise<void> {
  if (existsSync(join(ROOT, 'certs', 'ca.crt'))) return;
  say('creating the development certificates (npm run certs)');
  await runStep('npm', ['run', 'certs'], 'certs');
}

/** An earlier launcher or KME still holding the ports would make the new KMEs fail obscurely. */
async function checkKmePortsFree(): Promise<void> {
  for (const port of [MASTER_PORT, SLAVE_PORT]) {
    if (!(await isPortFree(port))) {
      throw new StartError(
        `port ${port} is in use (a KME from an earlier run?). Stop that process first.`,
      );
    }
  }
}

/** AMQP_URL if set; else a broker on localhost:5672; else a private RabbitMQ we start. */
async function findBroker(): Promise<string> {
  const given = process.env.AMQP_URL;
  if (given) {
    const { host, port } = amqpEndpoint(given);
    const reachable = await canConnect(host, port, 3_000);
    say(
      `broker: AMQP_URL=${redactUrl(given)}` +
        (reachable ? '' : ` (warning: nothing answers on ${host}:${port} yet)`),
    );
    return given;
  }
  if (await canConnect('localhost', DEFAULT_AMQP_PORT, 1_000)) {
    const url = `amqp://guest:guest@localhost:${DEFAULT_AMQP_PORT}`;
    say(`broker: the one already listening on localhost:${DEFAULT_AMQP_PORT} (${redactUrl(url)})`);
    return url;
  }
  if (!PrivateRabbitMq.isInstalled()) throw new StartError(PrivateRabbitMq.installHint);

  const standardPortsFree =
    (await isPortFree(DEFAULT_AMQP_PORT)) && (await isPortFree(DEFAULT_AMQP_PORT + 20000));
  const rabbitPrefix = makePrefix('rabbitmq', 'yellow', useColor);
  broker = new PrivateRabbitMq({
    name: 'dev',
    port: standardPortsFree ? DEFAULT_AMQP_PORT : undefined,
    onOutput: (line) => process.stdout.write(prefixLines(rabbitPrefix, [line])),
  });
  say(`broker: starting a private RabbitMQ (data in ${relative(ROOT, broker.baseDir)})`);
  await broker.start();
  say(
    `broker: ${redactUrl(broker.url)} ready in ${((broker.lastStartMs ?? 0) / 1000).toFixed(1)} s`,
  );
  return broker.url;
}

/** Runs an npm step in the foreground; it shares our terminal, so Ctrl-C reaches it too. */
function runStep(command: string, args: string[], name: string): Promise<void> {
  return new Promise((resolveStep, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit' });
    child.once('error', (error) => reject(new StartError(`${name}: ${error.message}`)));
    child.once('exit', (code, signal) => {
      if (code === 0) resolveStep();
      else reject(new StartError(`${name} failed (code ${code}, signal ${signal})`));
    });
  });
}

function onSignal(signal: NodeJS.Signals): void {
  if (shuttingDown) {
    say(`${signal} again: killing the KMEs now`);
    pair?.kill();
    return;
  }
  void shutdown(0, `${signal}: stopping`);
}

async function shutdown(code: number, reason: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  say(reason);
  try {
    for (const { label, outcome, graceMs } of (await pair?.stop()) ?? []) {
      // A KME that needed SIGKILL, or failed its own stop, is news: say so, and exit 1.
      if (stoppedCleanly(outcome)) continue;
      say(`${label} ${describeStop(outcome, graceMs)}`);
      code = 1;
    }
    if (broker) {
      say('stopping the private RabbitMQ');
      await broker.stop();
    }
  } catch (error) {
    say(`while stopping: ${message(error)}`);
    code = 1;
  }
  // Exit once the last line is out: stdout to a pipe is written asynchronously.
  process.stdout.write(prefixLines(launcherPrefix, ['stopped']), () => process.exit(code));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

main().catch(async (error: unknown) => {
  if (shuttingDown) return;
  if (error instanceof StartError) say(error.message);
  else say(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  if (pair || broker) await shutdown(1, 'stopping what was started');
  else process.exitCode = 1;
});
