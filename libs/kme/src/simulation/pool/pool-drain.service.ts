import { Inject, Injectable, Logger } from '@nestjs/common';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { KeyServiceUnavailableError } from '@app/etsi-api';
import { MasterKeyStore, UnavailableError } from '@app/key-pool';
import { ActivationOutbox } from '../../master/link/activation-outbox.service';
import { SlaveLinkService } from '../../master/link/slave-link.service';

/** What a drain dropped (POST /api/sim/v1/pool/drain). */
export interface DrainResult {
  /** Unallocated bits the master KME dropped. */
  readonly discarded_bits: number;
  /** Stream offset from which material is valid again, at both KMEs. */
  readonly valid_from_offset: number;
  /** Whether the slave KME was told to drop its copy (false: no slave KME has synchronised yet). */
  readonly slave_kme_reset: boolean;
}

/**
 * Drops the unused material of both KMEs, as a link that lost its key store would: the master
 * KME discards what it has not allocated, then a link reset of the same epoch makes the slave KME
 * drop its copy below the same offset. Keys already handed out stay valid: the reset is
 * published only once the broker confirmed every activation recorded before the drain, so on the
 * queue they all come before it, and the slave KME cuts their bytes before it drops the rest.
 */
@Injectable()
export class PoolDrain {
  private readonly logger = new Logger('LinkSimulation');

  constructor(
    @Inject(KME_SETTINGS) private readonly settings: KmeSettings,
    private readonly store: MasterKeyStore,
    private readonly outbox: ActivationOutbox,
    private readonly slaveLink: SlaveLinkService,
  ) {}

  async drain(who: string): Promise<DrainResult> {
    const { discardedBytes, fromOffset } = this.store.transaction(() => ({
      discardedBytes: this.store.material.availableBytes,
      fromOffset: this.store.material.discardUnallocated(),
    }));
    this.logger.warn(
      `pool drained by ${who}: the master KME dropped ${discardedBytes * 8} unallocated bits; the slave KME drops its copy next`,
    );
    await this.outbox.recordedShipped(this.settings.peerTimeoutMs).catch((error: unknown) => {
      if (!(error instanceof UnavailableError)) throw error;
      throw new KeyServiceUnavailableError(
        'the master KME dropped its material, but activations are still on their way to the slave KME: drain again to make it drop its copy',
      );
    });
    const reset = await this.slaveLink.resetSlaveMaterial(fromOffset, `pool drained by ${who}`);
    return {
      discarded_bits: discardedBytes * 8,
      valid_from_offset: fromOffset,
      slave_kme_reset: reset,
    };
  }
}
