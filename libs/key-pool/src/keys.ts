import { splitKeys } from './material';

/**
 * Any UUID (RFC 9562 text form, any version, either case) as a JSON Schema pattern: what key IDs
 * and the link's other IDs look like in the messages the KMEs exchange.
 */
export const UUID_PATTERN =
  '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

export interface DeliveredKey {
  readonly keyId: string;
  readonly key: Buffer;
}

/** Keys cut from one run of material: key i is bytes [i × keyBytes, (i + 1) × keyBytes). */
export interface KeyBatch {
  readonly keyIds: readonly string[];
  readonly material: Buffer;
  readonly keyBytes: number;
}

/** The batch's keys as its master SAE gets them, each paired with its ID. */
export function deliveredKeysOf({ keyIds, material, keyBytes }: KeyBatch): DeliveredKey[] {
  const keys = splitKeys(material, keyBytes);
  return keyIds.map((keyId, index) => ({ keyId, key: keys[index] }));
}
