import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** State 0A of /proc/net/tcp: a listening socket. */
const LISTEN = '0A';

/**
 * Inodes of the sockets listening on `port` in a /proc/net/tcp or tcp6 table, whose rows read
 * `sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...`
 * with the local port in hex after the colon.
 */
export function listeningInodes(table: string, port: number): string[] {
  return table
    .split('\n')
    .slice(1)
    .map((row) => row.trim().split(/\s+/))
    .filter(
      ([, local, , state]) =>
        state === LISTEN && local !== undefined && parseInt(local.split(':')[1] ?? '', 16) === port,
    )
    .map((fields) => fields[9])
    .filter((inode): inode is string => inode !== undefined && inode !== '0');
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The inodes of the sockets `pid` holds; undefined when its descriptors cannot be read. */
function socketInodesOf(pid: number): Set<string> | undefined {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    // Another user's process (not root here), or one that has exited.
    return undefined;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // Closed between listing and reading.
    }
  }
  return inodes;
}

/**
 * Whether process `pid` holds a socket listening on TCP `port`, read from Linux's /proc. A server
 * answering on a port may be another's that took it first (the own start then failed with
 * EADDRINUSE); a harness asks this before it takes the answer for its child's. Undefined where
 * /proc does not tell: no TCP tables, or descriptors of `pid` this process may not read.
 */
export function listensOn(pid: number, port: number): boolean | undefined {
  const own = socketInodesOf(pid);
  if (own === undefined) return undefined;
  const tables = [readOrEmpty('/proc/net/tcp'), readOrEmpty('/proc/net/tcp6')];
  if (tables.every((table) => table === '')) return undefined;
  return tables.some((table) => listeningInodes(table, port).some((inode) => own.has(inode)));
}

/**
 * Whether a spawned server holds its port, as far as /proc tells: false only when it is known to
 * be someone else's (or the child has no pid, so it never started).
 */
export function holdsPort(child: { readonly pid?: number }, port: number): boolean {
  return child.pid !== undefined && listensOn(child.pid, port) !== false;
}
