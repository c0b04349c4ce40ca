import type { ActiveKey } from './active-key-store';

/**
 * The active keys a KME keeps for those slave SAEs of new keys that are attached to it. A key with
 * no slave SAE here is still listed, with none, so the KME can tell its callers 401, not 400.
 */
export function localActiveKeys(
  keyIds: readonly string[],
  keys: readonly Buffer[],
  masterSaeId: string,
  slaveSaeIds: readonly string[],
  attachedSaeIds: readonly string[],
): ActiveKey[] {
  const local = slaveSaeIds.filter((id) => attachedSaeIds.includes(id));
  return keyIds.map((keyId, index) => ({
    keyId,
    key: keys[index],
    masterSaeId,
    slaveSaeIds: local,
  }));
}
