import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Agent, request } from 'undici';
import { CallBatcher } from '@app/batching';
import {
  ALLOCATIONS_PATH,
  INTERNAL_API_PREFIX,
  MAX_ALLOCATIONS_PER_CALL,
  SYNC_PATH,
  type AllocatedKeysDto,
  type AllocationItemDto,
  type AllocationRequestDto,
  type AllocationResponseDto,
  type AllocationResultDto,
  type LinkSyncRequestDto,
  type LinkSyncResponseDto,
} from './internal-api.contract';
import { INTERNAL_CLIENT_OPTIONS, type InternalClientOptions } from './internal-client.options';

/**
 * Allocation calls awaiting their answer at once. High enough that a request never waits for a
 * slot in normal operation (it would add up to a call timeout to its wait); 1, 2 and 4 measured
 * the same. It bounds the calls in flight when the master KME stalls.
 */
const ALLOCATION_CALLS_IN_FLIGHT = 16;

/** The master KME could not be reached, or did not answer in time. */
export class PeerUnreachableError extends Error {
  constructor(reason: string) {
    super(`the master KME is unreachable: ${reason}`);
    this.name = 'PeerUnreachableError';
  }
}

/** The master KME answered, but refused; `status` and its ETSI-style message say why. */
export class PeerRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly peerMessage: string,
  ) {
    super(`the master KME refused (${status}): ${peerMessage}`);
    this.name = 'PeerRefusedError';
  }
}

/**
 * The slave KME's client for the master KME's KME-to-KME API: mutual TLS with the KME
 * certificates, keep-alive connections, every call bounded by `timeoutMs`, no retries.
 */
@Injectable()
export class InternalClient implements OnModuleDestroy {
  private readonly agent: Agent;
  private readonly allocations = new Map<
    string,
    CallBatcher<AllocationItemDto, AllocationResultDto>
  >();

  constructor(@Inject(INTERNAL_CLIENT_OPTIONS) private readonly options: InternalClientOptions) {
    this.agent = new Agent({
      connect: { ca: options.ca, cert: options.cert, key: options.key, timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 30_000,
    });
  }

  sync(body: LinkSyncRequestDto): Promise<LinkSyncResponseDto> {
    return this.post<LinkSyncResponseDto>(SYNC_PATH, body);
  }

  /**
   * Asks the master KME to allocate keys for one enc_keys request. Requests made at about the
   * same time travel in one call, so a busy slave KME makes far fewer calls than it answers
   * requests. Throws PeerRefusedError when the master KME refused this request.
   */
  async allocate(slaveInstanceId: string, item: AllocationItemDto): Promise<AllocatedKeysDto> {
    const result = await this.allocationsOf(slaveInstanceId).add(item);
    if (result.keys !== undefined) return result.keys;
    throw new PeerRefusedError(result.error?.status ?? 502, result.error?.message ?? 'no answer');
  }

  private allocationsOf(
    slaveInstanceId: string,
  ): CallBatcher<AllocationItemDto, AllocationResultDto> {
    let batcher = this.allocations.get(slaveInstanceId);
    if (batcher === undefined) {
      batcher = new CallBatcher(
        async (requests) => {
          const body: AllocationRequestDto = { requestId: randomUUID(), slaveInstanceId, requests };
          const { results } = await this.post<AllocationResponseDto>(ALLOCATIONS_PATH, body);
          // A short answer leaves the missing requests unanswered: refused, never hung.
          return requests.map((_, index) => results[index] ?? {});
        },
        { maxInFlight: ALLOCATION_CALLS_IN_FLIGHT, maxBatchSize: MAX_ALLOCATIONS_PER_CALL },
      );
      this.allocations.set(slaveInstanceId, batcher);
    }
    return batcher;
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close();
  }

  private async post<T>(path: string, body: object): Promise<T> {
    const url = `${this.options.baseUrl}/${INTERNAL_API_PREFIX}/${path}`;
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new PeerUnreachableError(error instanceof Error ? error.message : String(error));
    }
    let payload: unknown;
    try {
      payload = await response.body.json();
    } catch (error) {
      throw new PeerUnreachableError(
        `unreadable answer: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (response.statusCode !== 200) {
      const message = (payload as { message?: unknown } | null)?.message;
      throw new PeerRefusedError(
        response.statusCode,
        typeof message === 'string' ? message : 'no message',
      );
    }
    return payload as T;
  }
}
