/** One delivery of keys to an SAE: IDs, SAEs, sizes — never key bytes. */
export interface DeliveryEvent {
  readonly route: 'enc_keys' | 'dec_keys';
  /** The SAE that received the keys. */
  readonly callerSaeId: string;
  /** enc_keys: the slave SAEs; dec_keys: the master SAE. */
  readonly peerSaeIds: readonly string[];
  readonly keyIds: readonly string[];
  readonly keySizeBits: number;
  /** The ID of the request that received the keys (its `X-Request-Id`), when it had one. */
  readonly requestId?: string;
}

/** Told of every delivery (an extension point for audit, billing, alerting). */
export abstract class DeliveryObserver {
  /** Called on the request's path: keep it short, never throw (a throw is logged and dropped). */
  abstract delivered(event: DeliveryEvent): void;
}

/**
 * Multi-provider token of delivery observers: every module may provide it once (an observer, or
 * an array of observers), and DeliveryEvents collects them all at start. Nest keeps one provider
 * per token and module, hence the array form for several observers of one module.
 */
export const DELIVERY_OBSERVERS = Symbol('DELIVERY_OBSERVERS');
