import type { KmeRole } from './kme-settings';

/** Role-dependent defaults: a laptop pair of kme-1 (master KME, :8000) and kme-2 (slave KME, :9000). */
export function defaultEnvironment(role: KmeRole): Record<string, string> {
  const master = role === 'master';
  return {
    PORT: master ? '8000' : '9000',
    BIND_ADDRESS: '0.0.0.0',
    KME_ID: master ? 'kme-1' : 'kme-2',
    LINKED_KME_ID: master ? 'kme-2' : 'kme-1',
    ATTACHED_SAE_ID: master ? 'sae-1' : 'sae-2',
    LINKED_SAE_ID: master ? 'sae-2' : 'sae-1',
    LINKED_TO_KME: master ? 'https://localhost:9000' : 'https://localhost:8000',
    CA_FILE: 'certs/ca.crt',
    MIN_KEY_SIZE: '64',
    MAX_KEY_SIZE: '1024',
    DEFAULT_KEY_SIZE: '128',
    MAX_KEY_COUNT: '1000',
    MAX_KEYS_PER_REQUEST: '128',
    MAX_SAE_ID_COUNT: '4',
    // Keys handed to a master SAE whose slave SAEs never fetch them: bounded, oldest dropped.
    MAX_ACTIVE_KEYS: '1000000',
    // 1000 keys of 128 bits in about two seconds.
    KEY_RATE_BPS: '64000',
    MQ_HOST: 'localhost',
    MQ_PORT: '5672',
    MQ_USERNAME: 'guest',
    MQ_PASSWORD: 'guest',
    LOG_LEVEL: 'info',
    KEY_ID_WAIT_MS: '2000',
    PEER_TIMEOUT_MS: '5000',
    // Where each KME keeps its keys: a SQLite database in DATA_DIR (.data/<KME_ID> by default).
    KEY_STORE: 'sqlite',
    DURABILITY: 'process',
    // How a client certificate names its SAE: its subject CN, a URI in its SAN, or its serial.
    SAE_ID_FROM: 'cn',
    LOG_FORMAT: 'pretty',
    // Where the master KME's material comes from: the simulated link, or files (KEY_FILES_DIR).
    KEY_SOURCE: 'simulated',
    METRICS: 'true',
    // Unknown members that change nothing are ignored; true refuses them (400).
    STRICT_REQUESTS: 'false',
    // Subject CN of the certificate admitted to the simulation API (/api/sim/v1).
    OPERATOR_CN: 'operator',
  };
}

/** Both KMEs of a pair derive the same queue name: master KME first. */
export function defaultSharedQueue(role: KmeRole, kmeId: string, linkedKmeId: string): string {
  const [masterKme, slaveKme] = role === 'master' ? [kmeId, linkedKmeId] : [linkedKmeId, kmeId];
  return `qkd-link.${masterKme}.${slaveKme}`;
}
