/**
 * Where the master KME's key material comes from (an extension point). The material shipper
 * asks for bytes whenever the pool has room and the link can carry them; a source answers with
 * what it has now. Contract:
 * - `take(maxBytes)` resolves with 0 to `maxBytes` bytes, never more; an empty buffer means
 *   "nothing now" (the shipper asks again later, or when `poke`d). Bytes handed out are never
 *   handed out again: each byte becomes part of the shared stream once.
 * - `taken(bytes)` is called inside the store transaction that keeps the bytes `take` gave, so a
 *   source that must resume after a restart (a file position, a generator's counter) records its
 *   position there, in the same commit.
 * - `paused()` is called when the shipper stops asking (link down, pool full): a source that
 *   earns material over time earns none meanwhile, as a real link that is not running.
 * - `describe()` says in a few words what the source does now, for logs ("64000 bit/s").
 * Key material must never be logged.
 */
export abstract class KeySource {
  abstract take(maxBytes: number): Promise<Buffer>;
  taken(_bytes: number): void {}
  paused(): void {}
  abstract describe(): string;
}
