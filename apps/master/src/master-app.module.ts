import { Module, type DynamicModule } from '@nestjs/common';
import { BrokerModule } from '@app/broker';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { EtsiApiModule } from '@app/etsi-api';
import { KeyStore, MasterKeyStore } from '@app/key-pool';
import { openMasterKeyStore } from '@app/key-store';
import {
  KeyStoreLifecycle,
  brokerOptionsOf,
  etsiApiOptionsOf,
  openKeyStoreOf,
  type TlsMaterial,
} from '@app/kme-server';
import { InternalApiController } from './internal-api/internal-api.controller';
import { PeerKmeGuard } from './internal-api/peer-kme.guard';
import { SlaveAllocationService } from './internal-api/slave-allocation.service';
import { KeyAllocator } from './keys/key-allocator';
import { MasterKeyDelivery } from './keys/master-key-delivery';
import { ActivationOutbox } from './link/activation-outbox.service';
import { KeySourceService } from './link/key-source.service';
import { SlaveLinkService } from './link/slave-link.service';

/** The master KME's key machinery: store, source, allocation, outbox, link to the slave KME. */
@Module({})
export class MasterKeysModule {
  static forRoot(settings: KmeSettings, broker: DynamicModule): DynamicModule {
    return {
      module: MasterKeysModule,
      imports: [broker],
      providers: [
        { provide: KME_SETTINGS, useValue: settings },
        {
          provide: MasterKeyStore,
          useFactory: () => openKeyStoreOf(settings, openMasterKeyStore),
        },
        { provide: KeyStore, useExisting: MasterKeyStore },
        KeyStoreLifecycle,
        SlaveLinkService,
        KeySourceService,
        KeyAllocator,
        ActivationOutbox,
        MasterKeyDelivery,
        SlaveAllocationService,
      ],
      exports: [KME_SETTINGS, MasterKeyDelivery, SlaveLinkService, SlaveAllocationService],
    };
  }
}

/** The master KME: ETSI API for its SAEs, KME-to-KME API for the slave KME. */
@Module({})
export class MasterAppModule {
  static forRoot(settings: KmeSettings, tls: TlsMaterial): DynamicModule {
    const broker = BrokerModule.forRoot(brokerOptionsOf(settings));
    const keys = MasterKeysModule.forRoot(settings, broker);
    return {
      module: MasterAppModule,
      imports: [
        keys,
        EtsiApiModule.forRoot({
          imports: [keys],
          keyDelivery: MasterKeyDelivery,
          options: etsiApiOptionsOf(settings, tls),
        }),
      ],
      controllers: [InternalApiController],
      providers: [PeerKmeGuard],
    };
  }
}
