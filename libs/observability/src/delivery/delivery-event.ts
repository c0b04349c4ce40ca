import type { DeliveryEvent } from './delivery-observer.port';

/** A delivered key as the key pool hands it out; only its ID and length are read. */
export interface KeyOfDelivery {
  readonly keyId: string;
  readonly key: Uint8Array;
}

export interface DeliveryOf {
  readonly route: DeliveryEvent['route'];
  readonly callerSaeId: string;
  readonly peerSaeIds: readonly string[];
  readonly keys: readonly KeyOfDelivery[];
  readonly requestId?: string;
}

/**
 * The event of a delivery, built from the keys themselves so that callers need not pick the IDs
 * out by hand: the bytes are read for their length only and are not part of the event.
 */
export function deliveryEventOf({
  route,
  callerSaeId,
  peerSaeIds,
  keys,
  requestId,
}: DeliveryOf): DeliveryEvent {
  return {
    route,
    callerSaeId,
    peerSaeIds: [...peerSaeIds],
    keyIds: keys.map((key) => key.keyId),
    keySizeBits: keys.length === 0 ? 0 : keys[0].key.length * 8,
    ...(requestId === undefined ? {} : { requestId }),
  };
}
