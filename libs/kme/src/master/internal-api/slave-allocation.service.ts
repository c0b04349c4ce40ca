import { Inject, Injectable, Logger } from '@nestjs/common';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { InvalidRequestError, KeyRequestPolicy, KeyServiceUnavailableError } from '@app/etsi-api';
import {
  toAllocationError,
  type AllocationItemDto,
  type AllocationRequestDto,
  type AllocationResponseDto,
  type AllocationResultDto,
} from '@app/internal-client';
import { MasterKeyStore, spansOf } from '@app/key-pool';
import { KeyAllocator } from '../keys/key-allocator';
import { SlaveLinkService } from '../link/slave-link.service';

/**
 * Allocation on behalf of the slave KME (enc_keys of its SAEs): for each request the master KME
 * records the keys for its own slave SAEs and returns where the bytes lie; the slave KME cuts
 * its own copy. Requests of one call succeed or fail each on its own, by the rules an SAE of
 * this KME meets, with the same messages.
 */
@Injectable()
export class SlaveAllocationService {
  private readonly logger = new Logger(SlaveAllocationService.name);
  private readonly policy: KeyRequestPolicy;

  constructor(
    @Inject(KME_SETTINGS) private readonly settings: KmeSettings,
    private readonly allocator: KeyAllocator,
    private readonly store: MasterKeyStore,
    private readonly slaveLink: SlaveLinkService,
  ) {
    this.policy = new KeyRequestPolicy(settings);
  }

  allocate(call: AllocationRequestDto): AllocationResponseDto {
    if (!this.slaveLink.isCurrentSlave(call.slaveStoreId)) {
      throw new KeyServiceUnavailableError(
        'the link is not synchronised with this slave KME run yet',
      );
    }
    // One commit for the whole call; each request in a savepoint of its own.
    return {
      results: this.store.transaction(() =>
        call.requests.map((request) => this.allocateOne(request)),
      ),
    };
  }

  private allocateOne(request: AllocationItemDto): AllocationResultDto {
    try {
      const [slaveSaeId, ...additional] = request.slaveSaeIds;
      if (!this.settings.linkedSaeIds.includes(request.masterSaeId)) {
        throw InvalidRequestError.field(
          'master_SAE_ID',
          `${request.masterSaeId} is not attached to the slave KME`,
        );
      }
      const checked = this.policy.checkKeyRequest(request.masterSaeId, slaveSaeId, {
        number: request.number,
        size: request.size,
        additional_slave_SAE_IDs: additional,
      });
      const allocated = this.store.transaction(() => {
        const keys = this.allocator.allocate(checked.number, checked.sizeBits);
        this.store.activeKeys.activate(keys, request.masterSaeId, checked.slaveSaeIds);
        return keys;
      });
      return {
        keys: {
          epoch: allocated.epoch,
          ranges: spansOf(allocated.ranges),
          keyBytes: allocated.keyBytes,
          keyIds: allocated.keyIds,
        },
      };
    } catch (error) {
      const refusal = toAllocationError(error);
      if (refusal !== undefined) return { error: refusal };
      this.logger.error(
        'allocation for the slave KME failed',
        error instanceof Error ? error.stack : String(error),
      );
      return { error: { kind: 'unavailable', message: 'allocation failed at the master KME' } };
    }
  }
}
