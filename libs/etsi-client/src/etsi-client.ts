import type { KeyContainerDto } from '@app/etsi-api/dto/key-container.dto';
import type { KeyRequestDto } from '@app/etsi-api/dto/key-request.dto';
import type { StatusDto } from '@app/etsi-api/dto/status.dto';
import { KmeTransport, type KmeClientOptions } from './kme-transport';
import { encodePathSegment } from './path-segment';

export const ETSI_KEYS_PATH = '/api/v1/keys';

/** Which form of a method to use; by default the GET form wherever the standard allows it. */
export interface MethodChoice {
  readonly method?: 'GET' | 'POST';
}

/**
 * An SAE's client for one KME's ETSI GS QKD 014 API (§5.2–5.4). The SAE is whoever the client
 * certificate names: the KME takes the caller's identity from it, never from a request.
 */
export class EtsiClient {
  private readonly transport: KmeTransport;

  constructor(options: KmeClientOptions) {
    this.transport = new KmeTransport(options);
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  /** Get status (§5.2): what this KME can deliver for keys shared with `slaveSaeId`. */
  status(slaveSaeId: string): Promise<StatusDto> {
    return this.transport.json<StatusDto>('GET', `${keysPath(slaveSaeId)}/status`);
  }

  /**
   * Get key (§5.3): new keys shared with `slaveSaeId`. The GET form (query `number`, `size`) is
   * used when the request has nothing else, as §6.2 allows; any other field needs the POST form,
   * and asking for GET then rejects with a TypeError rather than a request that silently drops fields.
   */
  encKeys(
    slaveSaeId: string,
    request: KeyRequestDto = {},
    { method }: MethodChoice = {},
  ): Promise<KeyContainerDto> {
    const path = `${keysPath(slaveSaeId)}/enc_keys`;
    const fitsGet = Object.entries(request).every(
      ([field, value]) => value === undefined || field === 'number' || field === 'size',
    );
    if (method === 'GET' && !fitsGet) {
      return Promise.reject(
        new TypeError('enc_keys: only number and size fit the GET form (ETSI 014 §6.2)'),
      );
    }
    if (method === 'POST' || !fitsGet) {
      return this.transport.json<KeyContainerDto>('POST', path, { body: request });
    }
    const query: Record<string, string> = {};
    if (request.number !== undefined) query.number = String(request.number);
    if (request.size !== undefined) query.size = String(request.size);
    return this.transport.json<KeyContainerDto>('GET', path, { query });
  }

  /**
   * Get key with key IDs (§5.4): the keys `masterSaeId` obtained with these IDs. The GET form
   * (`?key_ID=`) carries exactly one ID (§6.4); any other count is sent as a Key IDs POST body.
   */
  decKeys(
    masterSaeId: string,
    keyIds: readonly string[],
    { method }: MethodChoice = {},
  ): Promise<KeyContainerDto> {
    const path = `${keysPath(masterSaeId)}/dec_keys`;
    if (method === 'GET' && keyIds.length !== 1) {
      return Promise.reject(
        new TypeError(`dec_keys: the GET form carries one key ID, not ${keyIds.length}`),
      );
    }
    if (method === 'POST' || keyIds.length !== 1) {
      const body = { key_IDs: keyIds.map((keyId) => ({ key_ID: keyId })) };
      return this.transport.json<KeyContainerDto>('POST', path, { body });
    }
    return this.transport.json<KeyContainerDto>('GET', path, { query: { key_ID: keyIds[0] } });
  }

  /** Closes the keep-alive connections once the requests in flight are answered. */
  close(): Promise<void> {
    return this.transport.close();
  }
}

function keysPath(saeId: string): string {
  return `${ETSI_KEYS_PATH}/${encodePathSegment(saeId)}`;
}
