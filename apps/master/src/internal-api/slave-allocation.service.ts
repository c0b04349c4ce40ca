import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { InvalidRequestError, KeyServiceUnavailableError } from '@app/etsi-api';
import type {
  AllocationItemDto,
  AllocationRequestDto,
  AllocationResponseDto,
  AllocationResultDto,
} from '@app/internal-client';
import { ActiveKeyStore, InsufficientKeyMaterialError, spansOf } from '@app/key-pool';
import { KeyAllocator } from '../keys/key-allocator';
import { SlaveLinkService } from '../link/slave-link.service';

/** Answers to recent allocation calls, so a repeated request ID gets the same keys. */
const REMEMBERED_REQUESTS = 1_000;

/**
 * Allocation on behalf of the slave KME (enc_keys of its SAEs): for each request the master KME
 * records the keys for its own slave SAEs and returns where the bytes lie; the slave KME cuts
 * its own copy. Requests of one call succeed or fail each on its own.
 */
@Injectable()
export class SlaveAllocationService {
  private readonly logger = new Logger(SlaveAllocationService.name);
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

  allocate(call: AllocationRequestDto): AllocationResponseDto {
    const earlier = this.answered.get(call.requestId);
    if (earlier !== undefined) return earlier;
    if (!this.slaveLink.isCurrentSlave(call.slaveInstanceId)) {
      throw new KeyServiceUnavailableError(
        'the link is not synchronised with this slave KME run yet',
      );
    }
    const answer = { results: call.requests.map((request) => this.allocateOne(request)) };
    this.remember(call.requestId, answer);
    return answer;
  }

  private allocateOne(request: AllocationItemDto): AllocationResultDto {
    try {
      this.check(request);
      const allocated = this.allocator.allocate(request.number, request.size);
      this.activeKeys.activate(allocated, request.masterSaeId, request.slaveSaeIds);
      return {
        keys: {
          epoch: allocated.epoch,
          ranges: spansOf(allocated.ranges),
          keyBytes: allocated.keyBytes,
          keyIds: allocated.keyIds,
        },
      };
    } catch (error) {
      if (error instanceof InvalidRequestError) {
        return { error: { status: HttpStatus.BAD_REQUEST, message: error.message } };
      }
      if (error instanceof InsufficientKeyMaterialError) {
        return { error: { status: HttpStatus.SERVICE_UNAVAILABLE, message: error.message } };
      }
      this.logger.error(
        'allocation for the slave KME failed',
        error instanceof Error ? error.stack : error,
      );
      return { error: { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'allocation failed' } };
    }
  }

  /** The slave KME checked the ETSI request; these guard the link against a confused peer. */
  private check(request: AllocationItemDto): void {
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
