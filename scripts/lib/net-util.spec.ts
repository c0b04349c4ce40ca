import { createServer, type Server } from 'node:net';
import {
  canConnect,
  ephemeralPortRange,
  findFreePort,
  findFreePortPair,
  findFreePorts,
  isPortFree,
  parsePortRange,
} from './net-util';

function listen(port = 0): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(port, () => resolve(server));
  });
}

const portOf = (server: Server) => {
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return address.port;
};

describe('net-util', () => {
  it('sees a listening port as taken and connectable, and a closed one as free', async () => {
    const server = await listen();
    const port = portOf(server);
    expect(await isPortFree(port)).toBe(false);
    expect(await canConnect('localhost', port, 1_000)).toBe(true);
    await new Promise((done) => server.close(done));
    expect(await isPortFree(port)).toBe(true);
    expect(await canConnect('localhost', port, 1_000)).toBe(false);
  });

  it('reads the kernel ephemeral range as two numbers, refusing anything else', () => {
    expect(parsePortRange('32768\t60999\n')).toEqual({ first: 32768, last: 60999 });
    expect(parsePortRange('60999 32768')).toBeUndefined();
    expect(parsePortRange('')).toBeUndefined();
    expect(parsePortRange('a b')).toBeUndefined();
  });

  it('finds free server ports below the ephemeral range, where no outgoing connection takes one', async () => {
    const { first } = ephemeralPortRange();
    const ports = await Promise.all(Array.from({ length: 20 }, () => findFreePort()));
    for (const port of ports) {
      expect(port).toBeLessThan(first);
      expect(await isPortFree(port)).toBe(true);
    }
    // Random picks, not one fixed port.
    expect(new Set(ports).size).toBeGreaterThan(1);
  });

  it('finds a port whose partner is free too, both below the ephemeral range', async () => {
    const port = await findFreePortPair(20_000);
    expect(port + 20_000).toBeLessThan(ephemeralPortRange().first);
    expect(await isPortFree(port)).toBe(true);
    expect(await isPortFree(port + 20_000)).toBe(true);
  });

  it('finds distinct ports for servers started side by side, even when a pick repeats', async () => {
    // Each pick is free when asked, and nothing binds it before the next one is asked for.
    const picks = [10_001, 10_001, 10_002];
    const ports = await findFreePorts(2, () => Promise.resolve(picks.shift()!));
    expect(ports).toEqual([10_001, 10_002]);
    expect(picks).toEqual([]);
  });
});
