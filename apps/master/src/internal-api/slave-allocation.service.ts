import { Inject, Injectable } from '@nestjs/common';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { InvalidRequestError, KeyServiceUnavailableError } from '@app/etsi-api';
import type { AllocationRequestDto, AllocationResponseDto } from '@app/internal-client';
import { ActiveKeyStore, localActiveKeys } from '@app/key-pool';
import { KeyAllocator } from '../keys/key-allocator';
import { SlaveLinkService } from '../link/slave-link.service';

/** Answers to recent allocation requests, so a repeated request ID gets the same keys. */
const REMEMBERED_REQUESTS = 1_000;

/**
 * Allocation on behalf of the slave KME (enc_keys of its SAEs): the master KME records the keys
 * for its own slave SAEs and returns where the bytes lie; the slave KME cuts its own copy.
 */
@Injectable()
export class SlaveAllocationService {
  private readonly answered = new Map<string, AllocationResponseDto>();
  private readonly pairSaeIds: ReadonlySet<string>;

  constructor(
    @Inject(KME_SETTINGS) private readonly settings: KmeSettings,
    private readonly allocator: KeyAllocator,
    private readonly activeKeys: ActiveKeyStore,
    private readonly slaveLink: SlaveLinkService,
  ) {
    this.pairSaeIds = new Set([...settings.attachedSaeIds, ...settings.linkedSaeIds]);
  }

  allocate(request: AllocationRequestDto): AllocationResponseDto {
    const earlier = this.answered.get(request.requestId);
    if (earlier !== undefined) return earlier;
    if (!this.slaveLink.isCurrentSlave(request.slaveInstanceId)) {
      throw new KeyServiceUnavailableError(
        'the link is not synchronised with this slave KME run yet',
      );
    }
    this.check(request);

    const allocated = this.allocator.allocate(request.number, request.size);
    this.activeKeys.add(
      localActiveKeys(
        allocated.keyIds,
        allocated.keys,
        request.masterSaeId,
        request.slaveSaeIds,
        this.settings.attachedSaeIds,
      ),
    );
    const answer: AllocationResponseDto = {
      epoch: allocated.epoch,
      ranges: allocated.ranges.map(({ start, end }) => ({ start, end })),
      keyBytes: allocated.keyBytes,
      keyIds: allocated.keyIds,
    };
    this.remember(request.requestId, answer);
    return answer;
  }

  /** The slave KME checked the ETSI request; these guard the link against a confused peer. */
  private check(request: AllocationRequestDto): void {
    if (!this.settings.linkedSaeIds.includes(request.masterSaeId)) {
      throw InvalidRequestError.field(
        'masterSaeId',
        `${request.masterSaeId} is not attached to the slave KME`,
      );
    }
    const slaves = new Set(request.slaveSaeIds);
    if (slaves.size !== request.slaveSaeIds.length || slaves.has(request.masterSaeId)) {
      throw InvalidRequestError.field(
        'slaveSaeIds',
        'must be distinct and differ from the master SAE',
      );
    }
    const unknown = request.slaveSaeIds.find((id) => !this.pairSaeIds.has(id));
    if (unknown !== undefined) {
      throw InvalidRequestError.field('slaveSaeIds', `${unknown} is not an SAE of this KME pair`);
    }
    const limits = this.settings.keys;
    if (
      request.size % 8 !== 0 ||
      request.size < limits.minKeySize ||
      request.size > limits.maxKeySize
    ) {
      throw InvalidRequestError.field(
        'size',
        `must be a multiple of 8 within [${limits.minKeySize}, ${limits.maxKeySize}]`,
      );
    }
    if (request.number > limits.maxKeysPerRequest) {
      throw InvalidRequestError.field('number', `must be at most ${limits.maxKeysPerRequest}`);
    }
  }

  private remember(requestId: string, answer: AllocationResponseDto): void {
    this.answered.set(requestId, answer);
    if (this.answered.size > REMEMBERED_REQUESTS) {
      const oldest = this.answered.keys().next().value;
      if (oldest !== undefined) this.answered.delete(oldest);
    }
  }
}
