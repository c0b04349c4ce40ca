/**
 * Shared key material is a byte stream per epoch (one run of the master KME's QKD source),
 * shipped in blocks. Positions are stream offsets, so both KMEs name the same bytes the same way.
 */
export interface MaterialBlock {
  readonly epoch: string;
  /** Stream offset of the first byte. */
  readonly start: number;
  readonly bytes: Buffer;
}

/** Bytes [start, end) of an epoch's stream. */
export interface MaterialRange {
  readonly epoch: string;
  readonly start: number;
  readonly end: number;
}

export const rangeLength = (range: MaterialRange): number => range.end - range.start;

/** A range as it travels: its epoch is given once, beside all the ranges of a message. */
export interface StreamSpan {
  readonly start: number;
  readonly end: number;
}

export const rangesInEpoch = (epoch: string, spans: readonly StreamSpan[]): MaterialRange[] =>
  spans.map(({ start, end }) => ({ epoch, start, end }));

export const spansOf = (ranges: readonly MaterialRange[]): StreamSpan[] =>
  ranges.map(({ start, end }) => ({ start, end }));

/** Splits a contiguous range into `count` consecutive keys of `keyBytes` each. */
export function splitKeys(material: Buffer, keyBytes: number): Buffer[] {
  const keys: Buffer[] = [];
  for (let offset = 0; offset < material.length; offset += keyBytes) {
    keys.push(material.subarray(offset, offset + keyBytes));
  }
  return keys;
}
