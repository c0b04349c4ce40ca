import { Module, type DynamicModule } from '@nestjs/common';
import { BrokerModule } from '@app/broker';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { EtsiApiModule } from '@app/etsi-api';
import { ActiveKeyStore } from '@app/key-pool';
import {
  activeKeyStoreOf,
  brokerOptionsOf,
  etsiApiOptionsOf,
  type TlsMaterial,
} from '@app/kme-server';
import { InternalApiController } from './internal-api/internal-api.controller';
import { PeerKmeGuard } from './internal-api/peer-kme.guard';
import { SlaveAllocationService } from './internal-api/slave-allocation.service';
import { KeyAllocator } from './keys/key-allocator';
import { MasterKeyDelivery } from './keys/master-key-delivery';
import { KeySourceService } from './link/key-source.service';
import { MasterMaterial } from './link/master-material';
import { SlaveLinkService } from './link/slave-link.service';

/** The master KME's key machinery: source, pool, allocation, link to the slave KME. */
@Module({})
export class MasterKeysModule {
  static forRoot(settings: KmeSettings, broker: DynamicModule): DynamicModule {
    return {
      module: MasterKeysModule,
      imports: [broker],
      providers: [
        { provide: KME_SETTINGS, useValue: settings },
        { provide: MasterMaterial, useValue: new MasterMaterial() },
        { provide: ActiveKeyStore, useValue: activeKeyStoreOf(settings) },
        SlaveLinkService,
        KeySourceService,
        KeyAllocator,
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
