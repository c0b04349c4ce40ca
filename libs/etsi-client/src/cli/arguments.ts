import { InvalidArgumentError } from 'commander';

/**
 * Parsers for commander arguments: a malformed value is a usage error (exit 2) before any
 * request. Range checks that the KME makes itself (size a multiple of 8, number ≥ 1) are left to
 * it, so the CLI reports the KME's own words.
 */
export function integer(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('not an integer.');
  return Number(value);
}

export function positiveInteger(value: string): number {
  const parsed = integer(value);
  if (parsed < 1) throw new InvalidArgumentError('must be at least 1.');
  return parsed;
}

export function nonNegativeNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0) {
    throw new InvalidArgumentError('not a number ≥ 0.');
  }
  return parsed;
}

/** A KME base URL: https only, as the ETSI API is served over TLS. */
export function httpsUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('not a URL (https://host:port).');
  }
  if (url.protocol !== 'https:') throw new InvalidArgumentError('a KME is reached over https.');
  return value;
}
