/**
 * Environment every KME process starts with: set by `npm start`, the bench and the e2e harness,
 * and by the image's ENV (a test keeps the Dockerfile in step). What the user's environment sets
 * wins.
 *
 * glibc raises its mmap threshold to the size of each large block freed, up to 32 MiB, so after
 * the first few the relay's 256 KiB blocks (and the buffers made from them) come from malloc's
 * arenas, whose pages stay resident once the relay is over. A fixed threshold of 128 KiB keeps
 * such buffers in mappings of their own, given back when freed: with 1,000,000 keys stored,
 * 132 -> 100 MB at the master KME and 134 -> 124 MB at the slave KME (bench, two runs each).
 */
export const KME_RUNTIME_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: '131072',
};
