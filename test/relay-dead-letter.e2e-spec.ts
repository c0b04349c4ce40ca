import { randomBytes, randomUUID } from 'node:crypto';
import { connect, type ChannelModel, type GetMessage, type Options } from 'amqplib';
import { LinkMessageType, SCHEMA_VERSION, SCHEMA_VERSION_HEADER } from '@app/broker';
import { e2eAmqpUrl } from './support/broker';
import { KmeTestPair } from './support/kme-harness';
import {
  FAST_LINK_ENV,
  KeyLedger,
  MASTER_TO_SLAVE,
  RoundTripper,
  SLAVE_TO_MASTER,
  pollUntil,
  withKmeLogs,
} from './support/relay';

interface Injected {
  readonly name: string;
  readonly content: Buffer;
  readonly options: Options.Publish;
}

const V1 = { [SCHEMA_VERSION_HEADER]: SCHEMA_VERSION };
const { Activations, LinkReset, MaterialBlock } = LinkMessageType;
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** A well-formed batch of activations, for the cases where only the envelope is wrong. */
const activationsBody = () =>
  json({
    activations: [
      {
        epoch: randomUUID(),
        ranges: [{ start: 0, end: 32 }],
        keyBytes: 32,
        keyIds: [randomUUID()],
        masterSaeId: 'sae-1',
        slaveSaeIds: ['sae-2'],
      },
    ],
  });

const MALFORMED: Injected[] = [
  {
    name: 'garbage JSON',
    content: Buffer.from('{"epoch": "x", "ranges": [{'),
    options: { type: Activations, headers: V1 },
  },
  {
    name: 'an unknown type',
    content: json({ hello: 'world' }),
    options: { type: 'qkd.teleportation', headers: V1 },
  },
  {
    name: 'no type at all',
    content: activationsBody(),
    options: { headers: V1 },
  },
  {
    name: 'a wrong schema version',
    content: activationsBody(),
    options: { type: Activations, headers: { [SCHEMA_VERSION_HEADER]: SCHEMA_VERSION + 1 } },
  },
  {
    name: 'a material block without headers',
    content: randomBytes(64),
    options: { type: MaterialBlock },
  },
  {
    name: 'a material block without its position',
    content: randomBytes(64),
    options: { type: MaterialBlock, headers: V1 },
  },
  {
    name: 'activations with invalid fields',
    content: json({
      activations: [{ epoch: '', ranges: 'all of them', keyBytes: -1, keyIds: ['not-a-uuid'] }],
    }),
    options: { type: Activations, headers: V1 },
  },
  {
    name: 'a link reset that is a JSON array',
    content: json([1, 2, 3]),
    options: { type: LinkReset, headers: V1 },
  },
];

describe('malformed messages on the link queue', () => {
  const ledger = new KeyLedger();
  let pair: KmeTestPair;
  let broker: ChannelModel;

  beforeAll(async () => {
    pair = await KmeTestPair.start({ env: FAST_LINK_ENV });
    await pair.waitForKeys(100);
    broker = await connect(e2eAmqpUrl());
  });

  afterAll(async () => {
    await broker?.close();
    await pair?.stop();
  });

  it('are dead-lettered, and both KMEs keep serving round trips', () =>
    withKmeLogs(pair, async () => {
      const down = new RoundTripper(pair, MASTER_TO_SLAVE);
      const up = new RoundTripper(pair, SLAVE_TO_MASTER);
      ledger.issued(await down.mustSucceed());
      ledger.issued(await up.mustSucceed());

      const channel = await broker.createConfirmChannel();
      const run = randomUUID();
      const idOf = (index: number) => `malformed-${run}-${index}`;
      // Interleaved with real traffic: each malformed message sits between real ones.
      for (const [index, { content, options }] of MALFORMED.entries()) {
        channel.sendToQueue(pair.queue, content, {
          ...options,
          messageId: idOf(index),
          persistent: true,
        });
        await channel.waitForConfirms();
        ledger.issued(await down.mustSucceed({ number: 2, size: 256 }));
        ledger.issued(await up.mustSucceed({ number: 2, size: 256 }));
      }

      // Every one of them ends up in <queue>.dead-letter, refused by the slave KME.
      const deadLetters = new Map<string, GetMessage>();
      const deadLetterQueue = `${pair.queue}.dead-letter`;
      await pollUntil(
        `all ${MALFORMED.length} malformed messages in ${deadLetterQueue}`,
        15_000,
        async () => {
          for (;;) {
            const message = await channel.get(deadLetterQueue, { noAck: true });
            if (message === false) break;
            deadLetters.set(String(message.properties.messageId), message);
          }
          return deadLetters.size >= MALFORMED.length ? true : undefined;
        },
        () => `got ${[...deadLetters.keys()].join(', ')}`,
      );
      for (const [index, { name, content }] of MALFORMED.entries()) {
        const message = deadLetters.get(idOf(index));
        expect({ name, found: message !== undefined }).toEqual({ name, found: true });
        expect(message!.content.equals(content)).toBe(true);
        const [death] = message!.properties.headers?.['x-death'] ?? [];
        expect({ name, queue: death?.queue, reason: death?.reason }).toEqual({
          name,
          queue: pair.queue,
          reason: 'rejected',
        });
      }
      expect(deadLetters.size).toBe(MALFORMED.length);
      await channel.close();

      // The link still works both ways.
      for (let i = 0; i < 20; i++) {
        ledger.issued(await down.mustSucceed());
        ledger.issued(await up.mustSucceed());
      }
      ledger.expectNoReusedMaterial();
    }));
});
