import { Module } from '@nestjs/common';
import { MasterKmeModule } from '@app/kme';
import { AliasSaeIdentity } from './alias-sae-identity';
import { DeliveryLogModule } from './delivery-log.module';
import { JsonLinesDeliveryObserver } from './json-lines-delivery-observer';

@Module({
  imports: [
    MasterKmeModule.forRoot({
      saeIdentity: AliasSaeIdentity,
      deliveryObservers: [JsonLinesDeliveryObserver],
      // What the observer needs (its file), visible to the classes the KME makes.
      imports: [DeliveryLogModule],
    }),
  ],
})
export class AppModule {}
