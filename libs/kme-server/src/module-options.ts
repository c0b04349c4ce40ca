import type { BrokerOptions } from '@app/broker';
import type { KmeSettings } from '@app/config';
import type { EtsiApiOptions } from '@app/etsi-api';
import type { TlsMaterial } from './tls';

/** What the ETSI API needs from a KME's settings; the same for both KMEs. */
export const etsiApiOptionsOf = (settings: KmeSettings, tls: TlsMaterial): EtsiApiOptions => ({
  kmeId: settings.kmeId,
  linkedKmeId: settings.linkedKmeId,
  attachedSaeIds: settings.attachedSaeIds,
  linkedSaeIds: settings.linkedSaeIds,
  keys: settings.keys,
  pinnedSaeCertificate: tls.pinnedSaeCertificate,
});

/** The link's broker settings; the same for both KMEs. */
export const brokerOptionsOf = (settings: KmeSettings): BrokerOptions => ({
  amqpUrl: settings.amqpUrl,
  sharedQueue: settings.sharedQueue,
  publishTimeoutMs: settings.peerTimeoutMs,
});
