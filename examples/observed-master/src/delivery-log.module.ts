import { Module } from '@nestjs/common';

/** The file JsonLinesDeliveryObserver appends to. */
export const DELIVERY_LOG_FILE = Symbol('DELIVERY_LOG_FILE');

/** This application's own setting: DELIVERY_LOG_FILE, required. */
@Module({
  providers: [
    {
      provide: DELIVERY_LOG_FILE,
      useFactory: (): string => {
        const file = process.env.DELIVERY_LOG_FILE;
        if (!file) throw new Error('DELIVERY_LOG_FILE must name the file of the delivery log');
        return file;
      },
    },
  ],
  exports: [DELIVERY_LOG_FILE],
})
export class DeliveryLogModule {}
