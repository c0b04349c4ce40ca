import { randomUUID } from 'node:crypto';
import { connect, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { PrivateRabbitMq } from '../scripts/lib/private-rabbitmq';
import { e2eAmqpUrl } from './support/broker';

/** Resolves with the first message consumed from queue, acking it. */
async function consumeOne(
  connection: ChannelModel,
  queue: string,
  timeoutMs = 10_000,
): Promise<ConsumeMessage> {
  const channel = await connection.createChannel();
  try {
    return await new Promise<ConsumeMessage>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no message on ${queue} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      channel
        .consume(queue, (message) => {
          if (!message) return;
          clearTimeout(timer);
          channel.ack(message);
          resolve(message);
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    });
  } finally {
    await channel.close();
  }
}

describe('the e2e broker (global setup)', () => {
  let connection: ChannelModel;

  beforeAll(async () => {
    connection = await connect(e2eAmqpUrl());
  });

  afterAll(async () => {
    await connection?.close();
  });

  it('confirms a publish and delivers it back', async () => {
    const channel = await connection.createConfirmChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    const body = Buffer.from(`hello ${randomUUID()}`);

    channel.sendToQueue(queue, body, { persistent: true });
    await channel.waitForConfirms();

    const message = await consumeOne(connection, queue);
    expect(message.content.equals(body)).toBe(true);
    await channel.close();
  });
});

describe('PrivateRabbitMq restart', () => {
  const broker = PrivateRabbitMq.forTest('broker-spec');

  afterAll(async () => {
    await broker.remove();
  });

  it('keeps a durable queue and its persistent message on the same port', async () => {
    await broker.start();
    const url = broker.url;
    const queue = `restart-${randomUUID()}`;
    const body = Buffer.from(`persistent ${randomUUID()}`);

    const before = await connect(url);
    const channel = await before.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true });
    channel.sendToQueue(queue, body, { persistent: true });
    await channel.waitForConfirms();
    // The connection dies with the broker; closing first keeps amqplib from raising it.
    await before.close();

    await broker.restart();
    expect(broker.url).toBe(url);

    const after = await connect(url);
    try {
      const { messageCount } = await (await after.createChannel()).checkQueue(queue);
      expect(messageCount).toBe(1);
      const message = await consumeOne(after, queue);
      expect(message.content.equals(body)).toBe(true);
      expect(message.properties.deliveryMode).toBe(2);
    } finally {
      await after.close();
    }
  });

  it('is really down between stop() and start()', async () => {
    await broker.stop();
    await expect(connect(broker.url)).rejects.toThrow();
    await broker.start();
    const connection = await connect(broker.url);
    await connection.close();
  });
});
