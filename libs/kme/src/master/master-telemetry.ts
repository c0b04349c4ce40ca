import { Inject, Injectable } from '@nestjs/common';
import { LinkPublisher } from '@app/broker';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { MasterKeyStore } from '@app/key-pool';
import { KmeTelemetry } from '@app/observability';
import { SlaveLinkService } from './link/slave-link.service';

/** What the master KME's health and metrics read of it. */
@Injectable()
export class MasterTelemetry extends KmeTelemetry {
  readonly role = 'master';
  readonly kmeId: string;

  constructor(
    @Inject(KME_SETTINGS) settings: KmeSettings,
    private readonly store: MasterKeyStore,
    private readonly publisher: LinkPublisher,
    private readonly slaveLink: SlaveLinkService,
  ) {
    super();
    this.kmeId = settings.kmeId;
  }

  availableBits(): number {
    return this.store.material.availableBytes * 8;
  }

  brokerConnected(): boolean {
    return this.publisher.connected;
  }

  linkUp(): boolean {
    return this.slaveLink.slaveAlive;
  }

  storeWritable(): boolean {
    return this.store.writable();
  }
}
