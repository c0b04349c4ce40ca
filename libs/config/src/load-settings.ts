import { existsSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { defaultEnvironment, defaultSharedQueue } from './defaults';
import { KmeEnvironment } from './kme-environment';
import { LINK_VARIABLES, linkSettingsOf } from './link-settings';
import type { Durability, KeyStoreKind, KmeRole, KmeSettings, LogLevel } from './kme-settings';

/** Thrown when the environment does not describe a KME that can start. Lists every problem. */
export class ConfigurationError extends Error {
  constructor(
    readonly problems: readonly string[],
    /** Which KME the settings were for. */
    readonly role?: KmeRole,
  ) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigurationError';
  }
}

/** Names of every environment variable a KME reads. */
export const KME_ENVIRONMENT_VARIABLES: readonly string[] = [
  ...Object.keys(defaultEnvironment('master')),
  'KME_CERT',
  'KME_KEY',
  'SAE_CERT',
  'AMQP_URL',
  'MQ_SHARED_QUEUE',
  'DATA_DIR',
  'DATA_MAX_MB',
  'KEY_FILES_DIR',
  ...LINK_VARIABLES,
  'KEY_SEED',
  'SCENARIO_FILE',
];

const splitIds = (list: string): string[] => list.split(',').map((id) => id.trim());

/**
 * Reads, defaults and validates the environment of one KME. Throws ConfigurationError naming
 * each bad variable and its rule; nothing else in the code base reads process.env.
 */
export function loadKmeSettings(
  role: KmeRole,
  env: NodeJS.ProcessEnv = process.env,
  fileExists: (path: string) => boolean = existsSync,
): KmeSettings {
  const given = Object.fromEntries(
    Object.entries(env).filter(
      ([name, value]) =>
        KME_ENVIRONMENT_VARIABLES.includes(name) && value !== undefined && value !== '',
    ),
  );
  const merged: Record<string, string | undefined> = { ...defaultEnvironment(role), ...given };
  merged.LOG_LEVEL = merged.LOG_LEVEL?.toLowerCase();
  merged.STRICT_REQUESTS = merged.STRICT_REQUESTS?.toLowerCase();
  merged.KEY_STORE = merged.KEY_STORE?.toLowerCase();
  merged.SAE_ID_FROM = merged.SAE_ID_FROM?.toLowerCase();
  merged.LOG_FORMAT = merged.LOG_FORMAT?.toLowerCase();
  merged.METRICS = merged.METRICS?.toLowerCase();
  merged.KEY_SOURCE = merged.KEY_SOURCE?.toLowerCase();
  merged.DURABILITY = merged.DURABILITY?.toLowerCase();
  merged.DATA_DIR ??= `.data/${merged.KME_ID}`;
  merged.KME_CERT ??= `certs/${merged.KME_ID}.crt`;
  merged.KME_KEY ??= `certs/${merged.KME_ID}.key`;
  merged.MQ_SHARED_QUEUE ??= defaultSharedQueue(role, merged.KME_ID!, merged.LINKED_KME_ID!);

  const parsed = plainToInstance(KmeEnvironment, merged);
  const problems = [...new Set(validateSync(parsed).flatMap(describe))];
  problems.push(...crossCheck(parsed, problems, fileExists));
  if (problems.length > 0) throw new ConfigurationError(problems, role);

  return {
    role,
    port: parsed.PORT,
    host: parsed.BIND_ADDRESS,
    kmeId: parsed.KME_ID,
    linkedKmeId: parsed.LINKED_KME_ID,
    attachedSaeIds: splitIds(parsed.ATTACHED_SAE_ID),
    linkedSaeIds: splitIds(parsed.LINKED_SAE_ID),
    linkedKmeUrl: parsed.LINKED_TO_KME.replace(/\/+$/, ''),
    tls: {
      caFile: parsed.CA_FILE,
      certFile: parsed.KME_CERT,
      keyFile: parsed.KME_KEY,
      pinnedSaeCertFile: parsed.SAE_CERT,
    },
    keys: {
      minKeySize: parsed.MIN_KEY_SIZE,
      maxKeySize: parsed.MAX_KEY_SIZE,
      defaultKeySize: parsed.DEFAULT_KEY_SIZE,
      maxKeyCount: parsed.MAX_KEY_COUNT,
      maxKeysPerRequest: parsed.MAX_KEYS_PER_REQUEST,
      maxSaeIdCount: parsed.MAX_SAE_ID_COUNT,
      maxActiveKeys: parsed.MAX_ACTIVE_KEYS,
    },
    keyRateBps: parsed.KEY_RATE_BPS,
    link: linkSettingsOf(parsed, parsed.KEY_RATE_BPS, (name) => name in given),
    keySeed: parsed.KEY_SEED,
    operatorCn: parsed.OPERATOR_CN,
    scenarioFile: parsed.SCENARIO_FILE,
    amqpUrl: parsed.AMQP_URL ?? amqpUrlFromParts(parsed),
    sharedQueue: parsed.MQ_SHARED_QUEUE,
    logLevel: parsed.LOG_LEVEL as LogLevel,
    keyIdWaitMs: parsed.KEY_ID_WAIT_MS,
    peerTimeoutMs: parsed.PEER_TIMEOUT_MS,
    strictRequests: parsed.STRICT_REQUESTS === 'true',
    saeIdFrom: parsed.SAE_ID_FROM as KmeSettings['saeIdFrom'],
    logFormat: parsed.LOG_FORMAT as KmeSettings['logFormat'],
    metrics: parsed.METRICS === 'true',
    keySource:
      parsed.KEY_SOURCE === 'files'
        ? { kind: 'files', dir: parsed.KEY_FILES_DIR ?? '' }
        : { kind: 'simulated' },
    store: {
      kind: parsed.KEY_STORE as KeyStoreKind,
      dataDir: parsed.DATA_DIR,
      durability: parsed.DURABILITY as Durability,
      maxBytes: parsed.DATA_MAX_MB === undefined ? undefined : parsed.DATA_MAX_MB * 1024 * 1024,
    },
  };
}

function describe(error: ValidationError): string[] {
  return Object.values(error.constraints ?? {}).map((message) =>
    message.startsWith(error.property) ? message : `${error.property}: ${message}`,
  );
}

/** Rules that span variables or touch the file system; only checked on values that parsed. */
function crossCheck(
  env: KmeEnvironment,
  earlier: readonly string[],
  fileExists: (path: string) => boolean,
): string[] {
  const bad = (name: string) => earlier.some((problem) => problem.startsWith(name));
  const problems: string[] = [];
  if (!bad('MIN_KEY_SIZE') && !bad('MAX_KEY_SIZE') && env.MIN_KEY_SIZE > env.MAX_KEY_SIZE) {
    problems.push('MIN_KEY_SIZE must not exceed MAX_KEY_SIZE');
  }
  if (
    !bad('DEFAULT_KEY_SIZE') &&
    !bad('MIN_KEY_SIZE') &&
    !bad('MAX_KEY_SIZE') &&
    (env.DEFAULT_KEY_SIZE < env.MIN_KEY_SIZE || env.DEFAULT_KEY_SIZE > env.MAX_KEY_SIZE)
  ) {
    problems.push('DEFAULT_KEY_SIZE must lie between MIN_KEY_SIZE and MAX_KEY_SIZE');
  }
  if (!bad('KME_ID') && !bad('LINKED_KME_ID') && env.KME_ID === env.LINKED_KME_ID) {
    problems.push('LINKED_KME_ID must differ from KME_ID');
  }
  if (!bad('ATTACHED_SAE_ID') && !bad('LINKED_SAE_ID')) {
    const attached = splitIds(env.ATTACHED_SAE_ID);
    const linked = splitIds(env.LINKED_SAE_ID);
    const all = [...attached, ...linked];
    const repeated = all.filter((id, index) => all.indexOf(id) !== index);
    if (repeated.length > 0) {
      problems.push(
        `ATTACHED_SAE_ID and LINKED_SAE_ID must name each SAE once (repeated: ${[...new Set(repeated)].join(', ')})`,
      );
    }
  }
  if (!bad('OPERATOR_CN') && !bad('KME_ID') && !bad('ATTACHED_SAE_ID') && !bad('LINKED_SAE_ID')) {
    const taken = [
      env.KME_ID,
      env.LINKED_KME_ID,
      ...splitIds(env.ATTACHED_SAE_ID),
      ...splitIds(env.LINKED_SAE_ID),
    ];
    if (taken.includes(env.OPERATOR_CN)) {
      problems.push(
        `OPERATOR_CN must differ from every KME and SAE ID (${env.OPERATOR_CN} is one of them)`,
      );
    }
  }
  if (env.SCENARIO_FILE !== undefined && !bad('SCENARIO_FILE') && !fileExists(env.SCENARIO_FILE)) {
    problems.push(`SCENARIO_FILE must name a readable file (not found: ${env.SCENARIO_FILE})`);
  }
  if (env.KEY_SOURCE === 'files' && env.KEY_FILES_DIR === undefined) {
    problems.push('KEY_FILES_DIR must name the directory of the key files (KEY_SOURCE=files)');
  }
  const files: [string, string | undefined][] = [
    ['CA_FILE', env.CA_FILE],
    ['KME_CERT', env.KME_CERT],
    ['KME_KEY', env.KME_KEY],
    ['SAE_CERT', env.SAE_CERT],
  ];
  for (const [name, path] of files) {
    if (path !== undefined && !bad(name) && !fileExists(path)) {
      problems.push(`${name} must name a readable PEM file (not found: ${path})`);
    }
  }
  return problems;
}

function amqpUrlFromParts(env: KmeEnvironment): string {
  const user = encodeURIComponent(env.MQ_USERNAME);
  const password = encodeURIComponent(env.MQ_PASSWORD);
  return `amqp://${user}:${password}@${env.MQ_HOST}:${env.MQ_PORT}`;
}
