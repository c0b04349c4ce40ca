import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

/** Ports the kernel gives outgoing connections (and port 0), first to last inclusive. */
export interface PortRange {
  first: number;
  last: number;
}

/** Linux's own default, used where the kernel's setting cannot be read. */
const DEFAULT_EPHEMERAL_RANGE: PortRange = { first: 32768, last: 60999 };

/** The lowest port handed to test servers: clear of the well-known and registered services below. */
const LOWEST_SERVER_PORT = 10000;

/** The kernel's ephemeral port range, from `ip_local_port_range` (two numbers). */
export function parsePortRange(text: string): PortRange | undefined {
  const [first, last] = text.trim().split(/\s+/).map(Number);
  return Number.isInteger(first) && Number.isInteger(last) && first <= last
    ? { first, last }
    : undefined;
}

export function ephemeralPortRange(): PortRange {
  try {
    const text = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
    return parsePortRange(text) ?? DEFAULT_EPHEMERAL_RANGE;
  } catch {
    return DEFAULT_EPHEMERAL_RANGE;
  }
}

/**
 * A free port for a server that may be stopped and started again on it. Chosen below the
 * ephemeral range: a port the kernel hands out for port 0 can be taken as the source port of
 * any outgoing connection while its server is down, and the restart then fails EADDRINUSE.
 * `span` reserves port + span as well (it must fit below the range too).
 */
async function findServerPort(span: number, attempts: number): Promise<number> {
  const ephemeral = ephemeralPortRange();
  const highest = ephemeral.first - 1 - span;
  if (highest < LOWEST_SERVER_PORT) {
    throw new Error(
      `no server ports below the ephemeral range (${ephemeral.first}) for a span of ${span}`,
    );
  }
  for (let i = 0; i < attempts; i++) {
    const port = randomInt(LOWEST_SERVER_PORT, highest + 1);
    if ((await isPortFree(port)) && (span === 0 || (await isPortFree(port + span)))) return port;
  }
  const what = span === 0 ? 'TCP port' : `TCP port pair (port, port+${span})`;
  throw new Error(`no free ${what} below the ephemeral range found in ${attempts} attempts`);
}

/** A port free at the time of asking, outside the ephemeral range (see findServerPort). */
export function findFreePort(): Promise<number> {
  return findServerPort(0, 200);
}

/**
 * `count` distinct free ports, for servers that start side by side: ports asked for one at a
 * time are each free when asked, so two of them can be the same port until one is bound.
 */
export async function findFreePorts(
  count: number,
  pick: () => Promise<number> = findFreePort,
): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempts = 0; ports.size < count; attempts++) {
    if (attempts >= count * 20) throw new Error(`no ${count} distinct free TCP ports found`);
    ports.add(await pick());
  }
  return [...ports];
}

/** A free port whose partner port (port + offset) is free too, both outside the ephemeral range. */
export function findFreePortPair(offset: number, attempts = 200): Promise<number> {
  return findServerPort(offset, attempts);
}
