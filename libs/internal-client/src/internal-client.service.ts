import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Agent, request } from 'undici';
import { CallBatcher } from '@app/batching';
import { UnavailableError } from '@app/key-pool';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { fromAllocationError } from './allocation-errors';
import { checkAllocationResponse } from './allocation-schemas';
import {
  ALLOCATIONS_PATH,
  BARRIER_PATH,
  BarrierResponseDto,
  INTERNAL_API_PREFIX,
  LinkSyncResponseDto,
  MAX_ALLOCATIONS_PER_CALL,
  SYNC_PATH,
  type AllocatedKeysDto,
  type AllocationItemDto,
  type AllocationRequestDto,
  type AllocationResultDto,
  type LinkSyncRequestDto,
} from './internal-api.contract';
import { INTERNAL_CLIENT_OPTIONS, type InternalClientOptions } from './internal-client.options';

/**
 * Allocation calls awaiting their answer at once. High enough that a request never waits for a
 * slot in normal operation (it would add up to a call timeout to its wait); 1, 2 and 4 measured
 * the same. It bounds the calls in flight when the master KME stalls.
 */
const ALLOCATION_CALLS_IN_FLIGHT = 16;

/** The master KME could not be reached, did not answer in time, or answered nonsense (503). */
export class PeerUnreachableError extends UnavailableError {}

type Schema<T> = new () => T;

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
    return this.post(SYNC_PATH, body).then((answer) => validated(LinkSyncResponseDto, answer));
  }

  /**
   * Asks the master KME to put barrier `id` on the link's queue behind every activation it has
   * recorded; resolves once it is there.
   */
  async barrier(id: string): Promise<void> {
    validated(BarrierResponseDto, await this.post(BARRIER_PATH, { id }));
  }

  /**
   * Asks the master KME to allocate keys for one enc_keys request. Requests made at about the
   * same time travel in one call, so a busy slave KME makes far fewer calls than it answers
   * requests. A refusal of this request throws the domain error the master KME threw.
   */
  async allocate(slaveStoreId: string, item: AllocationItemDto): Promise<AllocatedKeysDto> {
    const result = await this.allocationsOf(slaveStoreId).add(item);
    if (result.keys !== undefined && result.error === undefined) return result.keys;
    if (result.error !== undefined && result.keys === undefined) {
      throw fromAllocationError(result.error);
    }
    throw new PeerUnreachableError(
      'the master KME answered an allocation with neither keys nor an error',
    );
  }

  private allocationsOf(slaveStoreId: string): CallBatcher<AllocationItemDto, AllocationResultDto> {
    let batcher = this.allocations.get(slaveStoreId);
    if (batcher === undefined) {
      batcher = new CallBatcher(
        async (requests) => {
          const body: AllocationRequestDto = { slaveStoreId, requests };
          const checked = checkAllocationResponse(await this.post(ALLOCATIONS_PATH, body));
          if ('invalid' in checked) {
            throw new PeerUnreachableError(
              `the master KME's answer has invalid fields: ${checked.invalid.map((p) => p.path).join(', ')}`,
            );
          }
          const { results } = checked.value;
          if (results.length !== requests.length) {
            throw new PeerUnreachableError(
              `the master KME answered ${requests.length} allocations with ${results.length} results`,
            );
          }
          return results;
        },
        { maxInFlight: ALLOCATION_CALLS_IN_FLIGHT, maxBatchSize: MAX_ALLOCATIONS_PER_CALL },
      );
      this.allocations.set(slaveStoreId, batcher);
    }
    return batcher;
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close();
  }

  /** Posts a call; resolves with the master KME's answer, a JSON object not yet checked. */
  private async post(path: string, body: object): Promise<object> {
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
      throw new PeerUnreachableError(
        `the master KME is unreachable: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    let payload: unknown;
    try {
      payload = await response.body.json();
    } catch (error) {
      throw new PeerUnreachableError(
        `the master KME's answer is unreadable: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (response.statusCode !== 200) {
      // A refused call (wrong run, broker down at the master KME, a certificate it does not
      // take): nothing an SAE did wrong, so the slave KME cannot serve (503).
      const message = (payload as { message?: unknown } | null)?.message;
      throw new PeerUnreachableError(
        `the master KME refused the call (${response.statusCode}): ${typeof message === 'string' ? message : 'no message'}`,
      );
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new PeerUnreachableError("the master KME's answer is not a JSON object");
    }
    return payload;
  }
}

/** The master KME's answers are checked as strictly as the link's messages. */
function validated<T extends object>(schema: Schema<T>, payload: object): T {
  const instance = plainToInstance(schema, payload);
  const errors = validateSync(instance, {
    forbidUnknownValues: true,
    whitelist: true,
    forbidNonWhitelisted: true,
  });
  if (errors.length > 0) {
    const fields = errors.map((error) => error.property).join(', ');
    throw new PeerUnreachableError(`the master KME's answer has invalid fields: ${fields}`);
  }
  return instance;
}
