import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const randomBytesAsync = promisify(randomBytes);

/**
 * The bytes of the simulated link's material: random (the default), or a seeded stream
 * (KEY_SEED) that repeats from run to run. `taken` is called inside the store transaction that
 * keeps the bytes last generated, so a seeded stream records its position with them.
 */
export abstract class MaterialGenerator {
  abstract generate(bytes: number): Promise<Buffer>;
  taken(_bytes: number): void {}
}

/** Material from the operating system's CSPRNG. */
export class RandomMaterial extends MaterialGenerator {
  generate(bytes: number): Promise<Buffer> {
    return randomBytesAsync(bytes);
  }
}
