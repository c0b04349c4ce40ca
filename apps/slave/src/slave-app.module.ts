import { Module, type DynamicModule } from '@nestjs/common';
import { BrokerModule } from '@app/broker';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { EtsiApiModule } from '@app/etsi-api';
import { InternalClientModule } from '@app/internal-client';
import { ActiveKeyStore, ReplicaPool } from '@app/key-pool';
import {
  activeKeyStoreOf,
  brokerOptionsOf,
  etsiApiOptionsOf,
  type TlsMaterial,
} from '@app/kme-server';
import { SlaveKeyDelivery } from './keys/slave-key-delivery';
import { LinkReceiver } from './link/link-receiver.service';
import { LinkSyncService } from './link/link-sync.service';
import { SlaveInstance } from './link/slave-instance';

/** The slave KME's key machinery: its copy of the material and the link to the master KME. */
@Module({})
export class SlaveKeysModule {
  static forRoot(settings: KmeSettings, tls: TlsMaterial): DynamicModule {
    return {
      module: SlaveKeysModule,
      imports: [
        BrokerModule.forRoot(brokerOptionsOf(settings)),
        InternalClientModule.forRoot({
          baseUrl: settings.linkedKmeUrl,
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          timeoutMs: settings.peerTimeoutMs,
        }),
      ],
      providers: [
        { provide: KME_SETTINGS, useValue: settings },
        { provide: ReplicaPool, useValue: new ReplicaPool() },
        { provide: ActiveKeyStore, useValue: activeKeyStoreOf(settings) },
        { provide: SlaveInstance, useValue: new SlaveInstance() },
        LinkReceiver,
        LinkSyncService,
        SlaveKeyDelivery,
      ],
      exports: [SlaveKeyDelivery],
    };
  }
}

/** The slave KME: ETSI API for its SAEs. */
@Module({})
export class SlaveAppModule {
  static forRoot(settings: KmeSettings, tls: TlsMaterial): DynamicModule {
    const keys = SlaveKeysModule.forRoot(settings, tls);
    return {
      module: SlaveAppModule,
      imports: [
        keys,
        EtsiApiModule.forRoot({
          imports: [keys],
          keyDelivery: SlaveKeyDelivery,
          options: etsiApiOptionsOf(settings, tls),
        }),
      ],
    };
  }
}
