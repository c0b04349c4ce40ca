import { Module, type DynamicModule } from '@nestjs/common';
import { BrokerModule } from '@app/broker';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { EtsiApiModule } from '@app/etsi-api';
import { InternalClientModule } from '@app/internal-client';
import { KeyStore, SlaveKeyStore } from '@app/key-pool';
import { openSlaveKeyStore } from '@app/key-store';
import {
  KeyStoreLifecycle,
  brokerOptionsOf,
  etsiApiOptionsOf,
  openKeyStoreOf,
  type TlsMaterial,
} from '@app/kme-server';
import { SlaveKeyDelivery } from './keys/slave-key-delivery';
import { LinkReceiver } from './link/link-receiver.service';
import { LinkSyncService } from './link/link-sync.service';

/** The slave KME's key machinery: its store with its copy of the material, the link. */
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
        {
          provide: SlaveKeyStore,
          useFactory: () => openKeyStoreOf(settings, openSlaveKeyStore),
        },
        { provide: KeyStore, useExisting: SlaveKeyStore },
        KeyStoreLifecycle,
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
