/** Binary Shannon entropy H2(x) = −x log2 x − (1−x) log2(1−x), in bits; H2(0) = H2(1) = 0. */
export function binaryEntropy(x: number): number {
  if (!(x >= 0 && x <= 1)) {
    throw new RangeError(`binaryEntropy takes a probability in [0, 1], got ${x}`);
  }
  if (x === 0 || x === 1) {
    return 0;
  }
  return -x * Math.log2(x) - (1 - x) * Math.log2(1 - x);
}
