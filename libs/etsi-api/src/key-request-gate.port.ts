/**
 * Asked once before each key request (enc_keys, dec_keys) takes anything, after the SAE was
 * authenticated and its request validated: why this KME refuses it now (503 with Retry-After), or
 * undefined. Optional; the simulation's refuse_requests fault is one. A port rather than a global
 * interceptor: an interceptor would put every route of the KME through Nest's interceptor chain.
 */
export abstract class KeyRequestGate {
  abstract refusal(): string | undefined;
}
