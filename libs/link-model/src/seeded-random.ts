import { createCipheriv, createHash, type Cipher } from 'node:crypto';

/** Where a stream stands, so that a restarted KME can continue it. */
export interface SeededRandomPosition {
  /** Bytes of key material already taken with bytes(). */
  readonly materialOffset: number;
  /** UUIDs already taken with uuid(). */
  readonly idCount: number;
}

const AES_BLOCK_BYTES = 16;
const UUID_BYTES = 16;

/**
 * Domain labels: the material and the key IDs come from keys derived separately from the seed,
 * so neither stream reveals anything about the other and taking IDs never shifts the material.
 */
const MATERIAL_LABEL = 'qkd-kme-simulator/link-model/material/v1';
const KEY_ID_LABEL = 'qkd-kme-simulator/link-model/key-id/v1';

/** SHA-256(label ‖ 0x00 ‖ seed): a 256-bit AES key per stream. */
function streamKey(label: string, seed: string): Buffer {
  return createHash('sha256').update(label).update(Buffer.of(0)).update(seed, 'utf8').digest();
}

/**
 * A keystream of AES-256-CTR (NIST SP 800-38A) with a zero initial counter, opened at any byte
 * position: the counter block is the 128-bit big-endian block index, which is also how OpenSSL's
 * CTR mode increments it, so a stream opened at n continues exactly where one that read n bytes is.
 */
class KeyStream {
  private readonly cipher: Cipher;
  private position: number;

  constructor(key: Buffer, offset: number) {
    const block = BigInt(Math.floor(offset / AES_BLOCK_BYTES));
    const counter = Buffer.alloc(AES_BLOCK_BYTES);
    counter.writeBigUInt64BE(block >> 64n, 0);
    counter.writeBigUInt64BE(block & 0xffff_ffff_ffff_ffffn, 8);
    this.cipher = createCipheriv('aes-256-ctr', key, counter);
    this.position = offset - (offset % AES_BLOCK_BYTES);
    this.take(offset % AES_BLOCK_BYTES);
  }

  get offset(): number {
    return this.position;
  }

  /** The next n bytes: AES-CTR encryption of zeros is the keystream itself. */
  take(n: number): Buffer {
    this.position += n;
    return this.cipher.update(Buffer.alloc(n));
  }
}

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${value}`);
  }
}

/**
 * Deterministic key material and key IDs from a seed string, for a simulated QKD source whose
 * two ends must agree without talking, and whose runs must be reproducible. Not for real keys:
 * anyone who knows the seed knows every byte.
 */
export class SeededRandom {
  private readonly material: KeyStream;
  private readonly ids: KeyStream;

  constructor(seed: string, from: Partial<SeededRandomPosition> = {}) {
    const materialOffset = from.materialOffset ?? 0;
    const idCount = from.idCount ?? 0;
    assertCount('materialOffset', materialOffset);
    assertCount('idCount', idCount);
    this.material = new KeyStream(streamKey(MATERIAL_LABEL, seed), materialOffset);
    this.ids = new KeyStream(streamKey(KEY_ID_LABEL, seed), idCount * UUID_BYTES);
  }

  /** The next n bytes of key material. */
  bytes(n: number): Buffer {
    assertCount('n', n);
    return this.material.take(n);
  }

  /** The next key ID: 16 bytes of the ID stream as an RFC 4122 version-4 UUID, lower case. */
  uuid(): string {
    const b = this.ids.take(UUID_BYTES);
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // variant 10xx (RFC 4122)
    const hex = b.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** Where both streams stand; pass it back to the constructor to continue after a restart. */
  get position(): SeededRandomPosition {
    return { materialOffset: this.material.offset, idCount: this.ids.offset / UUID_BYTES };
  }
}
