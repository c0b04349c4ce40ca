import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Agent, request } from 'undici';
import {
  ALLOCATIONS_PATH,
  INTERNAL_API_PREFIX,
  SYNC_PATH,
  type AllocatedKeysDto,
  type AllocationItemDto,
  type AllocationRequestDto,
  type AllocationResponseDto,
  type LinkSyncRequestDto,
  type LinkSyncResponseDto,
} from './internal-api.contract';
import { INTERNAL_CLIENT_OPTIONS, type InternalClientOptions } from './internal-client.options';

interface PendingAllocation {
  readonly item: AllocationItemDto;
  readonly resolve: (keys: AllocatedKeysDto) => void;
  readonly reject: (error: unknown) => void;
}

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
  private readonly batches = new Map<string, PendingAllocation[]>();

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
   * Asks the master KME to allocate keys for one enc_keys request. Requests made in the same turn
   * of the event loop travel in one call, so a busy slave KME makes far fewer calls than it
   * answers requests. Throws PeerRefusedError when the master KME refused this request.
   */
  allocate(slaveInstanceId: string, item: AllocationItemDto): Promise<AllocatedKeysDto> {
    return new Promise((resolve, reject) => {
      const batch = this.batches.get(slaveInstanceId) ?? [];
      batch.push({ item, resolve, reject });
      this.batches.set(slaveInstanceId, batch);
      if (batch.length === 1) setImmediate(() => this.flush(slaveInstanceId));
    });
  }

  private flush(slaveInstanceId: string): void {
    const batch = this.batches.get(slaveInstanceId) ?? [];
    this.batches.delete(slaveInstanceId);
    const body: AllocationRequestDto = {
      requestId: randomUUID(),
      slaveInstanceId,
      requests: batch.map((entry) => entry.item),
    };
    this.post<AllocationResponseDto>(ALLOCATIONS_PATH, body).then(
      ({ results }) =>
        batch.forEach((entry, index) => {
          const result = results[index];
          if (result?.keys !== undefined) entry.resolve(result.keys);
          else
            entry.reject(
              new PeerRefusedError(
                result?.error?.status ?? 502,
                result?.error?.message ?? 'no answer',
              ),
            );
        }),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
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
