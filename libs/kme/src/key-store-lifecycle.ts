import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { KeyStore } from '@app/key-pool';

/**
 * Closes the key store last: Nest runs this after the HTTP server stopped and after the link's
 * workers stopped in their beforeApplicationShutdown hooks, so nothing writes to it any more.
 */
@Injectable()
export class KeyStoreLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('KeyStore');

  constructor(private readonly store: KeyStore) {}

  onApplicationShutdown(): void {
    this.store.close();
    this.logger.log('key store closed');
  }
}
