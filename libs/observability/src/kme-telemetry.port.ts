/**
 * What the health and metrics endpoints read of a KME; implemented by each app. Every method is
 * called on the probe's or the scrape's path, so it must answer from state the KME already
 * holds: no I/O, no waiting.
 */
export abstract class KmeTelemetry {
  abstract readonly kmeId: string;
  abstract readonly role: 'master' | 'slave';
  /** Bits of key material this KME could hand out now. */
  abstract availableBits(): number;
  abstract brokerConnected(): boolean;
  /** The link to the peer KME is up (fresh heartbeat, synchronised). */
  abstract linkUp(): boolean;
  /** A small write to the key store succeeds now. */
  abstract storeWritable(): boolean;
}
