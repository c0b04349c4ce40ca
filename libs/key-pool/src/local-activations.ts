import type { ActiveKey } from './active-key-store';

/** The active keys a KME keeps for those slave SAEs of new keys that are attached to it. */
export function localActiveKeys(
  keyIds: readonly string[],
  keys: readonly Buffer[],
  masterSaeId: string,
  slaveSaeIds: readonly string[],
  attachedSaeIds: readonly string[],
): ActiveKey[] {
  const local = slaveSaeIds.filter((id) => attachedSaeIds.includes(id));
  if (local.length === 0) return [];
  return keyIds.map((keyId, index) => ({
    keyId,
    key: keys[index],
    masterSaeId,
    slaveSaeIds: local,
  }));
}
