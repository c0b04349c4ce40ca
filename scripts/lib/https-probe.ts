import { request } from 'node:https';

/** Client certificate and CA for a mutual-TLS request; none of it for a plain probe. */
export interface TlsClient {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/**
 * GET url; undefined when nothing answers within timeoutMs. Without `tls.ca` the server's
 * certificate is not checked: a readiness probe need not trust the dev CA.
 */
export function httpsGet(
  url: string,
  timeoutMs: number,
  tls: TlsClient = {},
): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = request(url, {
      method: 'GET',
      timeout: timeoutMs,
      rejectUnauthorized: tls.ca !== undefined,
      ...tls,
    });
    req.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.once('error', () => resolve(undefined));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

/** True when GET url answers 200 within timeoutMs. */
export async function answers200(url: string, timeoutMs: number): Promise<boolean> {
  return (await httpsGet(url, timeoutMs))?.status === 200;
}

/**
 * Polls check until it returns true. Rejects after timeoutMs, or at once when `abandoned` settles
 * (say, the server process exited), with that reason.
 */
export async function pollUntil(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
  abandoned: Promise<string>,
  intervalMs = 300,
): Promise<void> {
  let reason: string | undefined;
  void abandoned.then((why) => (reason = why));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (reason !== undefined) throw new Error(reason);
    if (await check()) return;
    if (reason !== undefined) throw new Error(reason);
    if (Date.now() >= deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, intervalMs));
  }
}

/** Polls url until it answers 200 (see pollUntil). */
export function waitFor200(
  url: string,
  timeoutMs: number,
  abandoned: Promise<string>,
  intervalMs = 300,
): Promise<void> {
  return pollUntil(
    () => answers200(url, 2_000),
    `${url} answering 200`,
    timeoutMs,
    abandoned,
    intervalMs,
  );
}

/** The stored_key_count of an ETSI 014 Status body, or undefined if it is not one. */
export function storedKeyCount(body: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const count = (parsed as Record<string, unknown>).stored_key_count;
    return typeof count === 'number' ? count : undefined;
  } catch {
    return undefined;
  }
}
