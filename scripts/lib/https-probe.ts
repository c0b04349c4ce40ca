import { request } from 'node:https';

/** True when GET url answers 200 within timeoutMs; the dev CA is not checked. */
export function answers200(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', rejectUnauthorized: false, timeout: timeoutMs });
    req.once('response', (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => resolve(false));
    req.end();
  });
}

/**
 * Polls url until it answers 200. Rejects after timeoutMs, or at once when `abandoned` settles
 * (say, the server process exited), with that reason.
 */
export async function waitFor200(
  url: string,
  timeoutMs: number,
  abandoned: Promise<string>,
  intervalMs = 300,
): Promise<void> {
  let reason: string | undefined;
  void abandoned.then((why) => (reason = why));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (reason !== undefined) throw new Error(reason);
    if (await answers200(url, 2_000)) return;
    if (reason !== undefined) throw new Error(reason);
    if (Date.now() >= deadline) throw new Error(`${url} did not answer 200 in ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, intervalMs));
  }
}
