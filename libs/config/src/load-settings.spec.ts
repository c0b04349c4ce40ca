import { LINK_PRESETS } from '@app/link-model';
import type { KmeRole } from './kme-settings';
import { ConfigurationError, KME_ENVIRONMENT_VARIABLES, loadKmeSettings } from './load-settings';

const allFilesExist = (): boolean => true;

function load(env: NodeJS.ProcessEnv, role: KmeRole = 'master') {
  return loadKmeSettings(role, env, allFilesExist);
}

/** The ConfigurationError loading `env` throws; fails the test when it loads. */
function configurationError(
  env: NodeJS.ProcessEnv,
  fileExists: (path: string) => boolean = allFilesExist,
  role: KmeRole = 'master',
): ConfigurationError {
  try {
    loadKmeSettings(role, env, fileExists);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('loadKmeSettings', () => {
  describe('defaults', () => {
    it('describes the master KME of a laptop pair', () => {
      expect(load({})).toEqual({
        role: 'master',
        port: 8000,
        host: '0.0.0.0',
        kmeId: 'kme-1',
        linkedKmeId: 'kme-2',
        attachedSaeIds: ['sae-1'],
        linkedSaeIds: ['sae-2'],
        linkedKmeUrl: 'https://localhost:9000',
        tls: {
          caFile: 'certs/ca.crt',
          certFile: 'certs/kme-1.crt',
          keyFile: 'certs/kme-1.key',
          pinnedSaeCertFile: undefined,
        },
        keys: {
          minKeySize: 64,
          maxKeySize: 1024,
          defaultKeySize: 128,
          maxKeyCount: 1000,
          maxKeysPerRequest: 128,
          maxSaeIdCount: 4,
          maxActiveKeys: 1_000_000,
        },
        keyRateBps: 64000,
        link: { model: 'fixed-rate', rateBps: 64000, ignoredVariables: [] },
        keySeed: undefined,
        operatorCn: 'operator',
        scenarioFile: undefined,
        amqpUrl: 'amqp://guest:guest@localhost:5672',
        sharedQueue: 'qkd-link.kme-1.kme-2',
        logLevel: 'info',
        keyIdWaitMs: 2000,
        peerTimeoutMs: 5000,
        strictRequests: false,
        store: {
          kind: 'sqlite',
          dataDir: '.data/kme-1',
          durability: 'process',
          maxBytes: undefined,
        },
        saeIdFrom: 'cn',
        logFormat: 'pretty',
        metrics: true,
        keySource: { kind: 'simulated' },
      });
    });

    it('describes the slave KME with the IDs swapped and the same queue', () => {
      const master = load({}, 'master');
      const slave = load({}, 'slave');
      expect(slave).toMatchObject({
        role: 'slave',
        port: 9000,
        kmeId: 'kme-2',
        linkedKmeId: 'kme-1',
        attachedSaeIds: ['sae-2'],
        linkedSaeIds: ['sae-1'],
        linkedKmeUrl: 'https://localhost:8000',
        tls: { caFile: 'certs/ca.crt', certFile: 'certs/kme-2.crt', keyFile: 'certs/kme-2.key' },
      });
      expect(slave.kmeId).toBe(master.linkedKmeId);
      expect(slave.linkedKmeId).toBe(master.kmeId);
      expect(slave.attachedSaeIds).toEqual(master.linkedSaeIds);
      expect(slave.linkedSaeIds).toEqual(master.attachedSaeIds);
      expect(slave.sharedQueue).toBe('qkd-link.kme-1.kme-2');
      expect(slave.sharedQueue).toBe(master.sharedQueue);
      expect(slave.keys).toEqual(master.keys);
    });

    it('derives the same queue name on both ends for custom KME IDs', () => {
      const master = load({ KME_ID: 'alice', LINKED_KME_ID: 'bob' }, 'master');
      const slave = load({ KME_ID: 'bob', LINKED_KME_ID: 'alice' }, 'slave');
      expect(master.sharedQueue).toBe('qkd-link.alice.bob');
      expect(slave.sharedQueue).toBe('qkd-link.alice.bob');
      expect(master.tls.certFile).toBe('certs/alice.crt');
      expect(slave.tls.keyFile).toBe('certs/bob.key');
    });

    it('treats empty and absent variables as unset', () => {
      const settings = load({ PORT: '', LOG_LEVEL: '', MQ_PASSWORD: undefined, KME_CERT: '' });
      expect(settings.port).toBe(8000);
      expect(settings.logLevel).toBe('info');
      expect(settings.amqpUrl).toBe('amqp://guest:guest@localhost:5672');
      expect(settings.tls.certFile).toBe('certs/kme-1.crt');
    });

    it('ignores variables that are not its own', () => {
      const settings = load({ PATH: '/usr/bin', HOSTNAME: 'box', MQ_VHOST: '/x', PORT: '8123' });
      expect(settings.port).toBe(8123);
      expect(settings.amqpUrl).toBe('amqp://guest:guest@localhost:5672');
    });

    it('lists every variable it reads exactly once', () => {
      expect(new Set(KME_ENVIRONMENT_VARIABLES).size).toBe(KME_ENVIRONMENT_VARIABLES.length);
      for (const name of [
        'PORT',
        'KME_CERT',
        'KME_KEY',
        'SAE_CERT',
        'AMQP_URL',
        'MQ_SHARED_QUEUE',
      ]) {
        expect(KME_ENVIRONMENT_VARIABLES).toContain(name);
      }
    });
  });

  describe('overrides', () => {
    it('reads every value from the environment', () => {
      const settings = load(
        {
          PORT: '8443',
          KME_ID: 'kme-a',
          LINKED_KME_ID: 'kme-b',
          ATTACHED_SAE_ID: 'sae-a',
          LINKED_SAE_ID: 'sae-b',
          LINKED_TO_KME: 'https://kme-b.example:9443/',
          CA_FILE: '/pki/ca.pem',
          KME_CERT: '/pki/kme.pem',
          KME_KEY: '/pki/kme.key',
          SAE_CERT: '/pki/sae.pem',
          MIN_KEY_SIZE: '8',
          MAX_KEY_SIZE: '4096',
          DEFAULT_KEY_SIZE: '256',
          MAX_KEY_COUNT: '50',
          MAX_KEYS_PER_REQUEST: '10',
          MAX_SAE_ID_COUNT: '0',
          KEY_RATE_BPS: '0',
          MQ_SHARED_QUEUE: 'my-queue',
          KEY_ID_WAIT_MS: '0',
          PEER_TIMEOUT_MS: '100',
        },
        'slave',
      );
      expect(settings).toMatchObject({
        role: 'slave',
        port: 8443,
        kmeId: 'kme-a',
        linkedKmeId: 'kme-b',
        linkedKmeUrl: 'https://kme-b.example:9443',
        tls: {
          caFile: '/pki/ca.pem',
          certFile: '/pki/kme.pem',
          keyFile: '/pki/kme.key',
          pinnedSaeCertFile: '/pki/sae.pem',
        },
        keys: {
          minKeySize: 8,
          maxKeySize: 4096,
          defaultKeySize: 256,
          maxKeyCount: 50,
          maxKeysPerRequest: 10,
          maxSaeIdCount: 0,
        },
        keyRateBps: 0,
        sharedQueue: 'my-queue',
        keyIdWaitMs: 0,
        peerTimeoutMs: 100,
      });
    });

    it('splits comma-separated SAE lists', () => {
      const settings = load({ ATTACHED_SAE_ID: 'sae-1,sae-3,sae-5', LINKED_SAE_ID: 'sae-2,sae-4' });
      expect(settings.attachedSaeIds).toEqual(['sae-1', 'sae-3', 'sae-5']);
      expect(settings.linkedSaeIds).toEqual(['sae-2', 'sae-4']);
    });

    it.each(['sae-1,', ',sae-1', 'sae-1,,sae-3', 'sae 1'])(
      'rejects the malformed SAE list %p, naming the variable',
      (list) => {
        const error = configurationError({ ATTACHED_SAE_ID: list });
        expect(error.message).toContain('ATTACHED_SAE_ID must be one or more comma-separated');
      },
    );

    it('rejects an SAE repeated within a list', () => {
      const error = configurationError({ ATTACHED_SAE_ID: 'sae-1,sae-3,sae-1' });
      expect(error.problems).toEqual([
        'ATTACHED_SAE_ID and LINKED_SAE_ID must name each SAE once (repeated: sae-1)',
      ]);
    });

    it('rejects an SAE named both attached and linked', () => {
      const error = configurationError({
        ATTACHED_SAE_ID: 'sae-1,sae-9',
        LINKED_SAE_ID: 'sae-2,sae-9',
      });
      expect(error.message).toContain('must name each SAE once (repeated: sae-9)');
    });

    it('rejects a KME linked to itself', () => {
      const error = configurationError({ KME_ID: 'kme-x', LINKED_KME_ID: 'kme-x' });
      expect(error.problems).toEqual(['LINKED_KME_ID must differ from KME_ID']);
    });

    it.each([
      ['DEBUG', 'debug'],
      ['Warn', 'warn'],
      ['verbose', 'verbose'],
      ['ERROR', 'error'],
    ])('accepts LOG_LEVEL=%p case-insensitively as %p', (given, expected) => {
      expect(load({ LOG_LEVEL: given }).logLevel).toBe(expected);
    });

    it('rejects an unknown LOG_LEVEL', () => {
      const error = configurationError({ LOG_LEVEL: 'LOUD' });
      expect(error.problems).toEqual([
        'LOG_LEVEL must be one of error, warn, info, debug, verbose',
      ]);
    });

    it('trims surrounding spaces of numbers', () => {
      expect(load({ PORT: ' 8001 ' }).port).toBe(8001);
    });
  });

  describe('key sizes', () => {
    it.each(['7', '0', '-8', '12', '64.0', 'abc'])(
      'rejects MIN_KEY_SIZE=%p as not a positive multiple of 8',
      (value) => {
        const error = configurationError({ MIN_KEY_SIZE: value });
        expect(error).toBeInstanceOf(ConfigurationError);
        expect(error.name).toBe('ConfigurationError');
        expect(error.message).toContain('MIN_KEY_SIZE must be a positive multiple of 8');
        // The range checks are skipped for a size that did not parse.
        expect(error.message).not.toContain('must not exceed');
        expect(error.message).not.toContain('DEFAULT_KEY_SIZE');
      },
    );

    it('skips the range checks for a size that did not parse, even when it is out of range', () => {
      const error = configurationError({ MIN_KEY_SIZE: '2049' });
      expect(error.problems).toEqual(['MIN_KEY_SIZE must be a positive multiple of 8']);
    });

    it.each(['MAX_KEY_SIZE', 'DEFAULT_KEY_SIZE'])('rejects %s=100, naming it', (name) => {
      const error = configurationError({ [name]: '100' });
      expect(error.message).toContain(`${name} must be a positive multiple of 8`);
    });

    it('rejects MIN_KEY_SIZE above MAX_KEY_SIZE', () => {
      const error = configurationError({
        MIN_KEY_SIZE: '512',
        MAX_KEY_SIZE: '256',
        DEFAULT_KEY_SIZE: '256',
      });
      expect(error.problems).toContain('MIN_KEY_SIZE must not exceed MAX_KEY_SIZE');
    });

    it('accepts MIN_KEY_SIZE equal to MAX_KEY_SIZE', () => {
      const settings = load({ MIN_KEY_SIZE: '256', MAX_KEY_SIZE: '256', DEFAULT_KEY_SIZE: '256' });
      expect(settings.keys).toMatchObject({
        minKeySize: 256,
        maxKeySize: 256,
        defaultKeySize: 256,
      });
    });

    it.each(['32', '2048'])('rejects DEFAULT_KEY_SIZE=%p outside [MIN, MAX]', (value) => {
      const error = configurationError({ DEFAULT_KEY_SIZE: value });
      expect(error.problems).toEqual([
        'DEFAULT_KEY_SIZE must lie between MIN_KEY_SIZE and MAX_KEY_SIZE',
      ]);
    });

    it.each(['64', '1024'])('accepts DEFAULT_KEY_SIZE=%p at a bound', (value) => {
      expect(load({ DEFAULT_KEY_SIZE: value }).keys.defaultKeySize).toBe(Number(value));
    });
  });

  describe('numbers', () => {
    it.each(['abc', '80.5', '0x50', '80 80'])('rejects PORT=%p, naming PORT', (value) => {
      const error = configurationError({ PORT: value });
      expect(error.problems.length).toBeGreaterThan(0);
      for (const problem of error.problems) expect(problem).toMatch(/^PORT /);
      expect(error.message).toContain('PORT must be an integer');
    });

    it.each(['0', '65536', '-1'])('rejects PORT=%p as out of range', (value) => {
      const error = configurationError({ PORT: value });
      expect(error.problems).toEqual(['PORT must be between 1 and 65535']);
    });

    it.each([
      ['MQ_PORT', '70000', 'MQ_PORT must be between 1 and 65535'],
      ['MAX_KEY_COUNT', '0', 'MAX_KEY_COUNT must be a positive integer'],
      ['MAX_KEYS_PER_REQUEST', 'ten', 'MAX_KEYS_PER_REQUEST must be a positive integer'],
      ['MAX_SAE_ID_COUNT', '-1', 'MAX_SAE_ID_COUNT must be an integer of 0 or more'],
      ['KEY_RATE_BPS', '-5', 'KEY_RATE_BPS must be an integer of 0 or more'],
      ['KEY_ID_WAIT_MS', '60001', 'KEY_ID_WAIT_MS must be an integer from 0 to 60000'],
      ['PEER_TIMEOUT_MS', '99', 'PEER_TIMEOUT_MS must be an integer from 100 to 60000'],
    ])('rejects %s=%p', (name, value, message) => {
      const error = configurationError({ [name]: value });
      expect(error.message).toContain(message);
    });

    it('lists every problem at once', () => {
      const error = configurationError({ PORT: 'x', MIN_KEY_SIZE: '7', LOG_LEVEL: 'loud' });
      expect(error.message).toContain('PORT must be an integer');
      expect(error.message).toContain('MIN_KEY_SIZE must be a positive multiple of 8');
      expect(error.message).toContain('LOG_LEVEL must be one of');
      expect(error.message.startsWith('invalid configuration:')).toBe(true);
    });
  });

  describe('files', () => {
    it('checks the CA, certificate and key paths it will read', () => {
      const checked: string[] = [];
      loadKmeSettings('master', {}, (path) => {
        checked.push(path);
        return true;
      });
      expect(checked.sort()).toEqual(['certs/ca.crt', 'certs/kme-1.crt', 'certs/kme-1.key']);
    });

    it('checks SAE_CERT only when it is set', () => {
      const checked: string[] = [];
      loadKmeSettings('slave', { SAE_CERT: '/pki/sae.pem' }, (path) => {
        checked.push(path);
        return true;
      });
      expect(checked).toContain('/pki/sae.pem');
      expect(checked).toContain('certs/kme-2.crt');
    });

    it('names KME_CERT when the certificate file is missing', () => {
      const error = configurationError({}, (path) => path !== 'certs/kme-1.crt');
      expect(error.problems).toEqual([
        'KME_CERT must name a readable PEM file (not found: certs/kme-1.crt)',
      ]);
    });

    it('names an explicit KME_CERT path that is missing', () => {
      const error = configurationError({ KME_CERT: '/nowhere/kme.pem' }, (path) =>
        path.startsWith('certs/'),
      );
      expect(error.message).toContain('KME_CERT');
      expect(error.message).toContain('/nowhere/kme.pem');
      expect(error.problems).toHaveLength(1);
    });

    it('names each missing file', () => {
      const error = configurationError({ SAE_CERT: 'sae.pem' }, () => false);
      expect(error.problems.map((problem) => problem.split(' ')[0])).toEqual([
        'CA_FILE',
        'KME_CERT',
        'KME_KEY',
        'SAE_CERT',
      ]);
    });
  });

  describe('broker', () => {
    it('builds the AMQP URL from the MQ_* parts', () => {
      const settings = load({
        MQ_HOST: 'rabbit.internal',
        MQ_PORT: '5673',
        MQ_USERNAME: 'kme',
        MQ_PASSWORD: 'secret',
      });
      expect(settings.amqpUrl).toBe('amqp://kme:secret@rabbit.internal:5673');
    });

    it('lets AMQP_URL override the MQ_* parts', () => {
      const url = 'amqps://user:pw@broker.example:5671/vhost';
      const settings = load({
        AMQP_URL: url,
        MQ_HOST: 'ignored-host',
        MQ_PORT: '1234',
        MQ_USERNAME: 'ignored',
        MQ_PASSWORD: 'ignored',
      });
      expect(settings.amqpUrl).toBe(url);
    });

    it('rejects an AMQP_URL that is not amqp:// or amqps://', () => {
      const error = configurationError({ AMQP_URL: 'http://broker.example' });
      expect(error.problems).toEqual(['AMQP_URL must be an amqp:// or amqps:// URL']);
    });

    it('URL-encodes a user name and password with special characters', () => {
      const password = 'p@ss:w/rd#?%& ';
      const username = 'kme user@site';
      const settings = load({ MQ_PASSWORD: password, MQ_USERNAME: username });
      expect(settings.amqpUrl).toBe(
        'amqp://kme%20user%40site:p%40ss%3Aw%2Frd%23%3F%25%26%20@localhost:5672',
      );
      const parsed = new URL(settings.amqpUrl);
      expect(parsed.hostname).toBe('localhost');
      expect(parsed.port).toBe('5672');
      expect(decodeURIComponent(parsed.username)).toBe(username);
      expect(decodeURIComponent(parsed.password)).toBe(password);
    });

    it('rejects an MQ_HOST given as a URL', () => {
      const error = configurationError({ MQ_HOST: 'amqp://rabbit' });
      expect(error.problems).toEqual(['MQ_HOST must be a host name, not a URL']);
    });

    it('rejects an invalid MQ_SHARED_QUEUE', () => {
      const error = configurationError({ MQ_SHARED_QUEUE: 'my queue' });
      expect(error.message).toContain('MQ_SHARED_QUEUE must be 1-200 characters');
    });
  });

  describe('peer', () => {
    it.each(['http://localhost:9000', 'localhost:9000', 'not a url'])(
      'rejects LINKED_TO_KME=%p',
      (value) => {
        const error = configurationError({ LINKED_TO_KME: value });
        expect(error.problems).toEqual(['LINKED_TO_KME must be an https:// URL']);
      },
    );

    it('rejects a KME_ID with forbidden characters', () => {
      const error = configurationError({ KME_ID: 'kme 1' });
      expect(error.message).toContain('KME_ID must be a non-empty ID');
    });
  });

  describe('the simulated link', () => {
    it('keeps "this rate, no physics" when no LINK_* is given', () => {
      expect(load({ KEY_RATE_BPS: '1000' }).link).toEqual({
        model: 'fixed-rate',
        rateBps: 1000,
        ignoredVariables: [],
      });
    });

    it('models the link from LINK_PRESET when KEY_RATE_BPS is not given', () => {
      const settings = load({ LINK_PRESET: 'long-haul' });
      expect(settings.link).toEqual({
        model: 'physics',
        preset: 'long-haul',
        parameters: LINK_PRESETS['long-haul'].parameters,
      });
    });

    it('lets each LINK_* variable override the preset', () => {
      const settings = load({
        LINK_PRESET: 'lab',
        LINK_DISTANCE_KM: '12.5',
        LINK_FIBRE_LOSS_DB_PER_KM: '0.18',
        LINK_DETECTOR_EFFICIENCY: '0.6',
        LINK_DARK_COUNT_PROBABILITY: '1e-6',
        LINK_MISALIGNMENT_ERROR: '0.02',
        LINK_EC_INEFFICIENCY: '1.1',
        LINK_SIGNAL_INTENSITY: '0.5',
        LINK_PULSE_RATE_HZ: '2.5e9',
      });
      expect(settings.link).toEqual({
        model: 'physics',
        preset: 'lab',
        parameters: {
          ...LINK_PRESETS.lab.parameters,
          fibreLengthKm: 12.5,
          fibreLossDbPerKm: 0.18,
          detectorEfficiency: 0.6,
          darkCountProbability: 1e-6,
          misalignmentError: 0.02,
          errorCorrectionInefficiency: 1.1,
          signalIntensity: 0.5,
          pulseRateHz: 2.5e9,
        },
      });
    });

    it('starts from the metro preset when only LINK_* variables are given', () => {
      const settings = load({ LINK_DISTANCE_KM: '40', LINK_SIGNAL_INTENSITY: 'Optimal' });
      expect(settings.link).toEqual({
        model: 'physics',
        preset: undefined,
        parameters: { ...LINK_PRESETS.metro.parameters, fibreLengthKm: 40 },
      });
    });

    it('lets an explicit KEY_RATE_BPS win over LINK_*, naming what it ignores', () => {
      const settings = load({ KEY_RATE_BPS: '64000', LINK_PRESET: 'metro', LINK_DISTANCE_KM: '5' });
      expect(settings.link).toEqual({
        model: 'fixed-rate',
        rateBps: 64000,
        ignoredVariables: ['LINK_PRESET', 'LINK_DISTANCE_KM'],
      });
    });

    it('treats an empty LINK_* as not given', () => {
      expect(load({ LINK_PRESET: '' }).link.model).toBe('fixed-rate');
    });

    it.each([
      ['LINK_PRESET', 'backbone', 'LINK_PRESET must be one of lab, metro, long-haul, record-10km'],
      ['LINK_DISTANCE_KM', '-1', 'LINK_DISTANCE_KM must be a number in [0, 1000]'],
      ['LINK_DISTANCE_KM', 'far', 'LINK_DISTANCE_KM must be a number in [0, 1000]'],
      ['LINK_FIBRE_LOSS_DB_PER_KM', '11', 'LINK_FIBRE_LOSS_DB_PER_KM must be a number in [0, 10]'],
      ['LINK_DETECTOR_EFFICIENCY', '0', 'LINK_DETECTOR_EFFICIENCY must be a number in (0, 1]'],
      ['LINK_DETECTOR_EFFICIENCY', '1.5', 'LINK_DETECTOR_EFFICIENCY must be a number in (0, 1]'],
      [
        'LINK_DARK_COUNT_PROBABILITY',
        '1',
        'LINK_DARK_COUNT_PROBABILITY must be a number in [0, 1)',
      ],
      ['LINK_MISALIGNMENT_ERROR', '0.6', 'LINK_MISALIGNMENT_ERROR must be a number in [0, 0.5]'],
      ['LINK_EC_INEFFICIENCY', '0.9', 'LINK_EC_INEFFICIENCY must be a number in [1, 10]'],
      [
        'LINK_SIGNAL_INTENSITY',
        'best',
        'LINK_SIGNAL_INTENSITY must be a number in (0, 10] or optimal',
      ],
      [
        'LINK_SIGNAL_INTENSITY',
        '0',
        'LINK_SIGNAL_INTENSITY must be a number in (0, 10] or optimal',
      ],
      ['LINK_PULSE_RATE_HZ', '0', 'LINK_PULSE_RATE_HZ must be a number in (0, 1000000000000]'],
      [
        'LINK_PULSE_RATE_HZ',
        'Infinity',
        'LINK_PULSE_RATE_HZ must be a number in (0, 1000000000000]',
      ],
    ])('rejects %s=%p, naming it', (name, value, message) => {
      expect(configurationError({ [name]: value }).problems).toEqual([message]);
    });
  });

  describe('simulation', () => {
    it('takes KEY_SEED as given', () => {
      expect(load({ KEY_SEED: 'run 42' }).keySeed).toBe('run 42');
    });

    it('refuses a KEY_SEED longer than 1024 characters', () => {
      expect(configurationError({ KEY_SEED: 'x'.repeat(1025) }).problems).toEqual([
        'KEY_SEED must be 1 to 1024 characters',
      ]);
    });

    it('takes OPERATOR_CN, refusing one that names a KME or an SAE', () => {
      expect(load({ OPERATOR_CN: 'ops-1' }).operatorCn).toBe('ops-1');
      expect(configurationError({ OPERATOR_CN: 'sae-2' }).problems).toEqual([
        'OPERATOR_CN must differ from every KME and SAE ID (sae-2 is one of them)',
      ]);
      expect(configurationError({ OPERATOR_CN: 'ops 1' }).problems).toEqual([
        'OPERATOR_CN must be a non-empty name of letters, digits, . _ : -',
      ]);
    });

    it('checks that SCENARIO_FILE exists', () => {
      expect(load({ SCENARIO_FILE: 'lab.yaml' }).scenarioFile).toBe('lab.yaml');
      const error = configurationError({ SCENARIO_FILE: 'missing.yaml' }, (path) =>
        path.startsWith('certs/'),
      );
      expect(error.problems).toEqual([
        'SCENARIO_FILE must name a readable file (not found: missing.yaml)',
      ]);
    });

    it('reads the new variables only by their names', () => {
      for (const name of [
        'LINK_PRESET',
        'LINK_DISTANCE_KM',
        'KEY_SEED',
        'SCENARIO_FILE',
        'OPERATOR_CN',
      ]) {
        expect(KME_ENVIRONMENT_VARIABLES).toContain(name);
      }
    });
  });
});
