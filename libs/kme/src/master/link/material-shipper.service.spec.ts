import { Logger } from '@nestjs/common';
import type { LinkPublisher } from '@app/broker';
import type { KmeSettings } from '@app/config';
import type { MaterialBlock } from '@app/key-pool';
import { openMasterKeyStore, type SqliteMasterKeyStore } from '@app/key-store';
import { KeySource } from '../source/key-source';
import { SimulatedKeySource } from '../source/simulated-key-source';
import { MaterialShipper } from './material-shipper.service';
import type { SlaveLinkService } from './slave-link.service';

async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** A source whose next answer the test gives, when it wants. */
class HeldSource extends KeySource {
  readonly asked: number[] = [];
  private answer: ((bytes: Buffer) => void) | undefined;
  take(maxBytes: number): Promise<Buffer> {
    this.asked.push(maxBytes);
    return new Promise((resolve) => (this.answer = resolve));
  }
  give(bytes: Buffer): void {
    const answer = this.answer;
    this.answer = undefined;
    answer?.(bytes);
  }
  describe(): string {
    return 'held by the test';
  }
}

const storeOf = (): SqliteMasterKeyStore =>
  openMasterKeyStore({
    dataDir: ':memory:',
    durability: 'process',
    attachedSaeIds: ['sae-1'],
    maxActiveKeys: 1_000,
  });

describe('MaterialShipper', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  it('reserves no block of a new era of the link before its reset is confirmed, and drops no byte', async () => {
    const settings = { keyRateBps: 0, keys: { maxKeyCount: 100, defaultKeySize: 128 } };
    const store = storeOf();
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
    const source = new HeldSource();
    const shipper = new MaterialShipper(
      settings as unknown as KmeSettings,
      store,
      publisher as unknown as LinkPublisher,
      slaveLink as unknown as SlaveLinkService,
      source,
    );
    shipper.onApplicationBootstrap();
    try {
      await until(() => source.asked.length === 1);

      // A new slave KME store says hello while the source is at work: the master KME drops
      // unallocated material and publishes a reset, unconfirmed for now.
      synchronised = false;
      const validFrom = store.material.discardUnallocated();
      const given = Buffer.alloc(1_600, 7);
      source.give(given);
      // Whatever the shipper does with the bytes happens before the next turn.
      await new Promise((resolve) => setImmediate(resolve));
      expect(published.filter((block) => block.start >= validFrom)).toEqual([]);

      // The reset is on the queue: the same bytes follow it, none lost.
      synchronised = true;
      shipper.poke();
      await until(() => store.material.availableBytes > 0);
      expect(published.every((block) => block.start >= validFrom)).toBe(true);
      expect(Buffer.concat(published.map((block) => block.bytes)).equals(given)).toBe(true);
    } finally {
      await shipper.beforeApplicationShutdown();
      source.give(Buffer.alloc(0));
      store.close();
    }
  });

  it('at full speed, tops up a pool a few keys short with one block, not one per allocation', async () => {
    // 100 keys of 256 bits: a full pool is 3,200 bytes, well under one block.
    const settings = { keyRateBps: 0, keys: { maxKeyCount: 100, defaultKeySize: 256 } };
    const store = storeOf();
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
    const shipper = new MaterialShipper(
      settings as unknown as KmeSettings,
      store,
      publisher as unknown as LinkPublisher,
      slaveLink as unknown as SlaveLinkService,
      new SimulatedKeySource(settings as unknown as KmeSettings),
    );
    shipper.onApplicationBootstrap();
    try {
      await until(() => material.availableBytes === 3_200);
      expect(published.map((block) => block.bytes.length)).toEqual([3_200]);

      // Five allocations of one key, each told to the shipper, turns of the event loop apart.
      for (let i = 0; i < 5; i++) {
        material.allocate(32);
        shipper.poke();
        for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
      }
      await until(() => material.availableBytes === 3_200);
      expect(published.map((block) => block.bytes.length)).toEqual([3_200, 160]);
    } finally {
      await shipper.beforeApplicationShutdown();
      store.close();
    }
  });
});
