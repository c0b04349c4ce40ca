/**
 * One URL path segment for an ID (ETSI 014 §5.1: SAE IDs in the path are URL-encoded).
 * encodeURIComponent leaves dots alone, so an ID of `.` or `..` would become a dot segment that
 * servers and proxies resolve away; those two are written as %2E instead.
 */
export function encodePathSegment(id: string): string {
  const encoded = encodeURIComponent(id);
  return encoded === '.' || encoded === '..' ? encoded.replace(/\./g, '%2E') : encoded;
}
