import { createServer, type Server } from 'node:net';
import { canConnect, findFreePortPair, isPortFree } from './net-util';

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

  it('finds a port whose partner is free too', async () => {
    const port = await findFreePortPair(20_000);
    expect(port + 20_000).toBeLessThanOrEqual(65_535);
    expect(await isPortFree(port)).toBe(true);
    expect(await isPortFree(port + 20_000)).toBe(true);
  });
});
