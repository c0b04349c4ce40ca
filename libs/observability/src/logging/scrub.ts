/** Deeper than any object a KME logs; beyond it nothing is kept, so nothing can leak. */
const MAX_DEPTH = 8;

/**
 * What a log line must never carry, whatever a caller passes: a `key` field at any depth (the
 * ETSI name of key bytes, and TLS settings' name of a private key) is dropped; binary data is
 * reduced to its length; PEM private keys to a placeholder. Runs on the object of each line
 * written (pino's log formatter), not on lines filtered out by the level.
 */
export function scrubKeyMaterial(object: Record<string, unknown>): Record<string, unknown> {
  return scrubObject(object, 0);
}

function scrub(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return isPrivateKey(value) ? '[private key]' : value;
  if (typeof value !== 'object' || value === null) return value;
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  // Errors, requests and the like keep their own serializers; only plain data is rebuilt.
  if (!isPlainObject(value)) return value;
  return scrubObject(value, depth + 1);
}

function scrubObject(object: Record<string, unknown>, depth: number): Record<string, unknown> {
  const scrubbed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(object)) {
    if (name === 'key') continue;
    scrubbed[name] = scrub(value, depth);
  }
  return scrubbed;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

const isPrivateKey = (text: string): boolean =>
  text.includes('-----BEGIN') && text.includes('PRIVATE KEY-----');
