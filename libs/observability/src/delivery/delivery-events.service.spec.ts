import { Injectable, Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DeliveryEventsModule } from './delivery-events.module';
import { DeliveryEvents } from './delivery-events.service';
import { deliveryEventOf } from './delivery-event';
import { DELIVERY_OBSERVERS, DeliveryObserver, type DeliveryEvent } from './delivery-observer.port';

const EVENT: DeliveryEvent = {
  route: 'dec_keys',
  callerSaeId: 'sae-2',
  peerSaeIds: ['sae-1'],
  keyIds: ['id-1', 'id-2'],
  keySizeBits: 128,
};

class Recorder extends DeliveryObserver {
  readonly seen: DeliveryEvent[] = [];
  delivered(event: DeliveryEvent): void {
    this.seen.push(event);
  }
}

@Injectable()
class Billing extends Recorder {}
@Injectable()
class Alerting extends Recorder {}
@Injectable()
class Archive extends Recorder {}

/** One module declaring one observer, another declaring two in the array form. */
@Module({ providers: [Billing, { provide: DELIVERY_OBSERVERS, useExisting: Billing }] })
class BillingModule {}

@Module({
  providers: [
    Alerting,
    Archive,
    {
      provide: DELIVERY_OBSERVERS,
      useFactory: (a: Alerting, b: Archive) => [a, b],
      inject: [Alerting, Archive],
    },
  ],
})
class AlertingModule {}

describe('DeliveryEvents', () => {
  async function start(...imports: (typeof BillingModule)[]): Promise<DeliveryEvents> {
    const moduleRef = await Test.createTestingModule({
      imports: [DeliveryEventsModule, ...imports],
    }).compile();
    await moduleRef.init();
    return moduleRef.get(DeliveryEvents);
  }

  afterEach(() => jest.restoreAllMocks());

  it('tells every DELIVERY_OBSERVERS provider of every module, array form included', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [DeliveryEventsModule, BillingModule, AlertingModule],
    }).compile();
    await moduleRef.init();
    moduleRef.get(DeliveryEvents).publish(EVENT);
    for (const observer of [Billing, Alerting, Archive]) {
      expect(moduleRef.get(observer, { strict: false }).seen).toEqual([EVENT]);
    }
  });

  it('starts with no observers when no module declares one', async () => {
    const events = await start();
    expect(() => events.publish(EVENT)).not.toThrow();
  });

  it('tells observers registered at run time until they unregister', async () => {
    const events = await start();
    const recorder = new Recorder();
    const unregister = events.register(recorder);
    events.publish(EVENT);
    unregister();
    events.publish(EVENT);
    expect(recorder.seen).toEqual([EVENT]);
  });

  it('logs an observer that throws, and still tells the others', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const events = await start();
    const before = new Recorder();
    const after = new Recorder();
    events.register(before);
    events.register({
      delivered: () => {
        throw new Error('audit sink full');
      },
    });
    events.register(after);
    expect(() => events.publish(EVENT)).not.toThrow();
    expect(before.seen).toEqual([EVENT]);
    expect(after.seen).toEqual([EVENT]);
    expect(errors).toHaveBeenCalledWith(expect.stringContaining('audit sink full'));
  });

  it('logs an asynchronous observer that rejects, instead of an unhandled rejection', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const events = await start();
    events.register({
      // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the misuse under test
      delivered: () => Promise.reject(new Error('webhook timed out')),
    });
    events.publish(EVENT);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toHaveBeenCalledWith(expect.stringContaining('webhook timed out'));
  });

  it('refuses at start a DELIVERY_OBSERVERS provider that is no observer', async () => {
    @Module({ providers: [{ provide: DELIVERY_OBSERVERS, useValue: { notify: () => undefined } }] })
    class WrongModule {}
    await expect(start(WrongModule)).rejects.toThrow(/not a DeliveryObserver/);
  });
});

describe('deliveryEventOf', () => {
  it('takes IDs and the size from the keys, and no bytes', () => {
    const keys = [
      { keyId: 'id-1', key: Buffer.alloc(32, 1) },
      { keyId: 'id-2', key: Buffer.alloc(32, 2) },
    ];
    const event = deliveryEventOf({
      route: 'enc_keys',
      callerSaeId: 'sae-1',
      peerSaeIds: ['sae-2', 'sae-3'],
      keys,
    });
    expect(event).toEqual({
      route: 'enc_keys',
      callerSaeId: 'sae-1',
      peerSaeIds: ['sae-2', 'sae-3'],
      keyIds: ['id-1', 'id-2'],
      keySizeBits: 256,
    });
    expect(JSON.stringify(event)).not.toContain(keys[0].key.toString('base64'));
  });

  it('gives size 0 to a delivery of no keys', () => {
    expect(
      deliveryEventOf({ route: 'dec_keys', callerSaeId: 'sae-2', peerSaeIds: ['sae-1'], keys: [] })
        .keySizeBits,
    ).toBe(0);
  });
});
