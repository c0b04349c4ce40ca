import { connect, createServer } from 'node:net';

/** True when something accepts a TCP connection on host:port within timeoutMs. */
export function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function listenOnce(port: number, host?: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * True when port can be bound both on the wildcard address (as RabbitMQ and Erlang bind it) and
 * on 127.0.0.1, so neither an IPv4-only nor a dual-stack listener holds it.
 */
export async function isPortFree(port: number): Promise<boolean> {
  return (await listenOnce(port)) === port && (await listenOnce(port, '127.0.0.1')) === port;
}

/** A port the kernel hands out for port 0, free at the time of asking. */
export async function findFreePort(): Promise<number> {
  const port = await listenOnce(0);
  if (port === undefined) throw new Error('could not bind any TCP port');
  return port;
}

/**
 * A free port whose partner port (port + offset) is free too. Kernel-chosen ports sit in the
 * ephemeral range, so many partners overflow 65535; those are skipped.
 */
export async function findFreePortPair(offset: number, attempts = 200): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    const port = await findFreePort();
    if (port + offset > 65535) continue;
    if ((await isPortFree(port)) && (await isPortFree(port + offset))) return port;
  }
  throw new Error(`no free TCP port pair (port, port+${offset}) found in ${attempts} attempts`);
}
