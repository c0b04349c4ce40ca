import { Module } from '@nestjs/common';
import { BrokerModule } from '@app/broker';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { InternalClientModule } from '@app/internal-client';
import { KeyStore, SlaveKeyStore } from '@app/key-pool';
import { openSlaveKeyStore } from '@app/key-store';
import { TLS_MATERIAL, type TlsMaterial } from '@app/kme-server';
import { KmeTelemetry } from '@app/observability';
import { KeyStoreLifecycle } from '../key-store-lifecycle';
import { brokerOptionsOf, openKeyStoreOf } from '../module-options';
import { SlaveKeyDelivery } from './keys/slave-key-delivery';
import { LinkBarrier } from './link/link-barrier.service';
import { LinkReceiver } from './link/link-receiver.service';
import { LinkSyncService } from './link/link-sync.service';
import { SlaveTelemetry } from './slave-telemetry';

/** The slave KME's key machinery: its store with its copy of the material, the link. */
@Module({
  imports: [
    BrokerModule.forRootAsync({ inject: [KME_SETTINGS], useFactory: brokerOptionsOf }),
    InternalClientModule.forRootAsync({
      inject: [KME_SETTINGS, TLS_MATERIAL],
      useFactory: (settings: KmeSettings, tls: TlsMaterial) => ({
        baseUrl: settings.linkedKmeUrl,
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        timeoutMs: settings.peerTimeoutMs,
      }),
    }),
  ],
  providers: [
    {
      provide: SlaveKeyStore,
      inject: [KME_SETTINGS],
      useFactory: (settings: KmeSettings) => openKeyStoreOf(settings, openSlaveKeyStore),
    },
    { provide: KeyStore, useExisting: SlaveKeyStore },
    KeyStoreLifecycle,
    LinkBarrier,
    LinkReceiver,
    LinkSyncService,
    SlaveKeyDelivery,
    { provide: KmeTelemetry, useClass: SlaveTelemetry },
  ],
  exports: [SlaveKeyStore, SlaveKeyDelivery, KmeTelemetry],
})
export class SlaveKeysModule {}
