import { Inject, Injectable } from '@nestjs/common';
import { LinkConsumer } from '@app/broker';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { SlaveKeyStore } from '@app/key-pool';
import { KmeTelemetry } from '@app/observability';
import { LinkSyncService } from './link/link-sync.service';

/** What the slave KME's health and metrics read of it. */
@Injectable()
export class SlaveTelemetry extends KmeTelemetry {
  readonly role = 'slave';
  readonly kmeId: string;

  constructor(
    @Inject(KME_SETTINGS) settings: KmeSettings,
    private readonly store: SlaveKeyStore,
    private readonly consumer: LinkConsumer,
    private readonly link: LinkSyncService,
  ) {
    super();
    this.kmeId = settings.kmeId;
  }

  availableBits(): number {
    return this.store.material.availableBytes * 8;
  }

  brokerConnected(): boolean {
    return this.consumer.consuming;
  }

  linkUp(): boolean {
    return this.link.masterReachable && this.link.synchronised;
  }

  storeWritable(): boolean {
    return this.store.writable();
  }
}
