import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrivateRabbitMq } from './private-rabbitmq';

// Starting a real node is covered by test/broker.e2e-spec.ts; these need no RabbitMQ.
describe('PrivateRabbitMq', () => {
  it('derives node name and data folder from its name', () => {
    const broker = new PrivateRabbitMq({ name: 'unit', port: 5999 });
    expect(broker.nodeName).toBe('kme-unit@localhost');
    expect(broker.baseDir).toMatch(/\/\.rabbitmq\/unit$/);
    expect(broker.url).toBe('amqp://guest:guest@localhost:5999');
    expect(broker.distPort).toBe(25999);
    expect(broker.running).toBe(false);
  });

  it('refuses names Erlang or a folder would not take', () => {
    expect(() => new PrivateRabbitMq({ name: 'a b' })).toThrow('letters, digits');
    expect(() => new PrivateRabbitMq({ name: '../x' })).toThrow('letters, digits');
  });

  it('has no URL before a port is known', () => {
    expect(() => new PrivateRabbitMq({ name: 'noport' }).url).toThrow('before start()');
  });

  it('gives each test instance its own name', () => {
    const a = PrivateRabbitMq.forTest('fault');
    const b = PrivateRabbitMq.forTest('fault');
    expect(a.name).toMatch(new RegExp(`^fault-${process.pid}-\\d+$`));
    expect(a.name).not.toBe(b.name);
  });

  it('stops without error when it never started', async () => {
    await expect(new PrivateRabbitMq({ name: 'idle' }).stop()).resolves.toBeUndefined();
  });

  it('names the Debian package and AMQP_URL in its install hint', () => {
    expect(PrivateRabbitMq.installHint).toContain('apt-get install -y rabbitmq-server');
    expect(PrivateRabbitMq.installHint).toContain('AMQP_URL');
    expect(PrivateRabbitMq.installHint).toContain('docker compose up rabbitmq');
  });

  describe('reapOrphans', () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'reap-'));
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    const folder = (name: string, owner?: number) => {
      mkdirSync(join(root, name));
      if (owner !== undefined) writeFileSync(join(root, name, 'ephemeral-owner.pid'), `${owner}\n`);
      return join(root, name);
    };

    it('removes throw-away folders whose owner died, and only those', async () => {
      const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
      const orphan = folder('orphan', deadPid);
      const owned = folder('owned', process.pid);
      const dev = folder('dev');
      expect(await PrivateRabbitMq.reapOrphans(root)).toEqual([orphan]);
      expect(existsSync(orphan)).toBe(false);
      expect(existsSync(owned)).toBe(true);
      expect(existsSync(dev)).toBe(true);
    });

    it('is fine with a missing root', async () => {
      await expect(PrivateRabbitMq.reapOrphans(join(root, 'none'))).resolves.toEqual([]);
    });
  });
});
