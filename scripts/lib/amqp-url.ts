/** Host and port to probe for an amqp:// or amqps:// URL; throws on anything else. */
export function amqpEndpoint(url: string): { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a URL: ${redactUrl(url)}`);
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
    throw new Error(`not an amqp:// or amqps:// URL: ${redactUrl(url)}`);
  }
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'amqps:' ? 5671 : 5672;
  // URL keeps the brackets of an IPv6 host, which net.connect does not take.
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost', port };
}

/** The URL with its password masked, fit for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
