import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { listeningInodes, listensOn } from './listening-socket';

const TABLE = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 00000000:6F3E 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0',
  '   1: 0100007F:6F3E 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0',
  '   2: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0',
].join('\n');

async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return { server, port: address.port };
}

describe('listening-socket', () => {
  it('reads the inodes of listening sockets on a port, not of connections on it', () => {
    expect(listeningInodes(TABLE, 0x6f3e)).toEqual(['4242']);
    expect(listeningInodes(TABLE, 8080)).toEqual(['4444']);
    expect(listeningInodes(TABLE, 1)).toEqual([]);
  });

  it('tells the process that listens on a port from one that does not', async () => {
    const { server, port } = await listening();
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      expect(listensOn(process.pid, port)).toBe(true);
      expect(listensOn(other.pid!, port)).toBe(false);
    } finally {
      other.kill();
      server.close();
    }
    await once(server, 'close');
    expect(listensOn(process.pid, port)).toBe(false);
  });

  it('cannot tell for a process whose descriptors it cannot read', async () => {
    const { server, port } = await listening();
    const gone = spawn(process.execPath, ['-e', '']);
    await once(gone, 'exit');
    try {
      expect(listensOn(gone.pid!, port)).toBeUndefined();
    } finally {
      server.close();
    }
  });
});
