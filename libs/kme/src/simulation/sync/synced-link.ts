import type { SyncedLinkStateDto } from '@app/internal-client';
import type { LinkView } from '../link/link-setup';

/** The link as it travels in the heartbeat answer (camelCase, as the KME-to-KME API). */
export function syncedLinkOf(view: LinkView): SyncedLinkStateDto {
  return {
    quantumChannel: view.quantum_channel,
    eavesdropper: view.eavesdropper,
    qber: view.qber,
    secretKeyRateBps: view.secret_key_rate_bps,
    distanceKm: view.distance_km,
    preset: view.preset,
    generating: view.generating,
    reason: view.reason,
  };
}

/** The link as the slave KME's simulation API shows it. */
export function linkViewOf(synced: SyncedLinkStateDto): LinkView {
  return {
    quantum_channel: synced.quantumChannel,
    eavesdropper: synced.eavesdropper,
    qber: synced.qber,
    secret_key_rate_bps: synced.secretKeyRateBps,
    distance_km: synced.distanceKm,
    preset: synced.preset,
    generating: synced.generating,
    reason: synced.reason,
  };
}
