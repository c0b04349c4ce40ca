import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { LinkPublisher } from '@app/broker';
import type { KmeSettings } from '@app/config';
import type { MaterialBlock } from '@app/key-pool';
import { KeySourceService } from './key-source.service';
import { openMasterKeyStore } from '@app/key-store';
import type { SlaveLinkService } from './slave-link.service';

jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, randomBytes: jest.fn(actual.randomBytes) };
});

type Callback = (error: Error | null, bytes: Buffer) => void;
const drawBytes = randomBytes as unknown as jest.Mock<void, [number, Callback]>;

async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe('KeySourceService', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  it('reserves no block of a new era of the link before its reset is confirmed', async () => {
    const settings = { keyRateBps: 0, keys: { maxKeyCount: 100, defaultKeySize: 128 } };
    const store = openMasterKeyStore({
      dataDir: ':memory:',
      durability: 'process',
      attachedSaeIds: ['sae-1'],
      maxActiveKeys: 1_000,
    });
    const material = store.material;
    const published: MaterialBlock[] = [];
    let synchronised = true;
    const publisher = {
      connected: true,
      publishBlock: (block: MaterialBlock) => {
        published.push(block);
        return Promise.resolve();
      },
    };
    const slaveLink = {
      get slaveConsumingQueue() {
        return synchronised;
      },
      onChange: () => undefined,
    };
    const source = new KeySourceService(
      settings as unknown as KmeSettings,
      store,
      publisher as unknown as LinkPublisher,
      slaveLink as unknown as SlaveLinkService,
    );

    let release: (() => void) | undefined;
    drawBytes.mockImplementationOnce((size, callback) => {
      release = () => callback(null, Buffer.alloc(size, 7));
    });
    source.onApplicationBootstrap();
    try {
      await until(() => release !== undefined);

      // A new slave KME run says hello while the bytes are being drawn: the master KME drops
      // unallocated material and publishes a reset, unconfirmed for now.
      synchronised = false;
      const validFrom = material.discardUnallocated();
      release!();
      // The draw resolves at once: whatever the source does with it happens before the next turn.
      await new Promise((resolve) => setImmediate(resolve));
      expect(published.filter((block) => block.start >= validFrom)).toEqual([]);

      // The reset is on the queue: material of the new era follows it.
      synchronised = true;
      source.poke();
      await until(() => material.availableBytes > 0);
      expect(published.every((block) => block.start >= validFrom)).toBe(true);
    } finally {
      await source.beforeApplicationShutdown();
      store.close();
    }
  });

  it('at full speed, tops up a pool a few keys short with one block, not one per allocation', async () => {
    // 100 keys of 256 bits: a full pool is 3,200 bytes, well under one block.
    const settings = { keyRateBps: 0, keys: { maxKeyCount: 100, defaultKeySize: 256 } };
    const store = openMasterKeyStore({
      dataDir: ':memory:',
      durability: 'process',
      attachedSaeIds: ['sae-1'],
      maxActiveKeys: 1_000,
    });
    const material = store.material;
    const published: MaterialBlock[] = [];
    const publisher = {
      connected: true,
      publishBlock: (block: MaterialBlock) => {
        published.push(block);
        return Promise.resolve();
      },
    };
    const slaveLink = { slaveConsumingQueue: true, onChange: () => undefined };
    const source = new KeySourceService(
      settings as unknown as KmeSettings,
      store,
      publisher as unknown as LinkPublisher,
      slaveLink as unknown as SlaveLinkService,
    );
    source.onApplicationBootstrap();
    try {
      await until(() => material.availableBytes === 3_200);
      expect(published.map((block) => block.bytes.length)).toEqual([3_200]);

      // Five allocations of one key, each told to the source, turns of the event loop apart.
      for (let i = 0; i < 5; i++) {
        material.allocate(32);
        source.poke();
        for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
      }
      await until(() => material.availableBytes === 3_200);
      expect(published.map((block) => block.bytes.length)).toEqual([3_200, 160]);
    } finally {
      await source.beforeApplicationShutdown();
      store.close();
    }
  });
});
