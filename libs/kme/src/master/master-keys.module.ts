import { Module } from '@nestjs/common';
import { BrokerModule } from '@app/broker';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { KeyStore, MasterKeyStore } from '@app/key-pool';
import { openMasterKeyStore } from '@app/key-store';
import { KmeTelemetry } from '@app/observability';
import { KeyStoreLifecycle } from '../key-store-lifecycle';
import { brokerOptionsOf, openKeyStoreOf } from '../module-options';
import { SlaveAllocationService } from './internal-api/slave-allocation.service';
import { KeyAllocator } from './keys/key-allocator';
import { MasterKeyDelivery } from './keys/master-key-delivery';
import { ActivationOutbox } from './link/activation-outbox.service';
import { MaterialShipper } from './link/material-shipper.service';
import { SlaveLinkService } from './link/slave-link.service';
import { MasterTelemetry } from './master-telemetry';

/**
 * The master KME's key machinery: store, material shipper, allocation, outbox, link to the
 * slave KME. Its settings and KeySource come from MasterKmeModule.
 */
@Module({
  imports: [BrokerModule.forRootAsync({ inject: [KME_SETTINGS], useFactory: brokerOptionsOf })],
  providers: [
    {
      provide: MasterKeyStore,
      inject: [KME_SETTINGS],
      useFactory: (settings: KmeSettings) => openKeyStoreOf(settings, openMasterKeyStore),
    },
    { provide: KeyStore, useExisting: MasterKeyStore },
    KeyStoreLifecycle,
    SlaveLinkService,
    MaterialShipper,
    KeyAllocator,
    ActivationOutbox,
    MasterKeyDelivery,
    SlaveAllocationService,
    { provide: KmeTelemetry, useClass: MasterTelemetry },
  ],
  exports: [
    MasterKeyStore,
    MasterKeyDelivery,
    SlaveLinkService,
    SlaveAllocationService,
    ActivationOutbox,
    KmeTelemetry,
  ],
})
export class MasterKeysModule {}
