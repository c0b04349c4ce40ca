import { readFileSync } from 'node:fs';
import { silentPeer } from '../../../etsi-client/test/fake-kme';
import { DashboardPki } from '../../test/dashboard-kme';
import { PEER_WAIT_MS, PeerReader } from './peer-reader.service';

describe('PeerReader', () => {
  // Made once, outside the timed tests: making the PKI takes seconds, many on a busy machine.
  let pki: DashboardPki;
  beforeAll(() => {
    pki = DashboardPki.create();
  }, 120_000);
  afterAll(() => pki.remove());
  const kme1Tls = () => ({
    ca: pki.ca,
    cert: readFileSync(pki.file('kme-1.crt')),
    key: readFileSync(pki.file('kme-1.key')),
  });

  it('knows no peer when given none, and reads nothing', async () => {
    const reader = new PeerReader({ capacityBits: 1 });
    await expect(reader.current()).resolves.toEqual({
      peer: { kme_id: '', state: 'unknown', read_at: null, error: null, kme: null },
      data: undefined,
    });
    await reader.onModuleDestroy();
  });

  it('says why when its TLS material cannot make a client, instead of failing at start', async () => {
    const empty = Buffer.alloc(0);
    const reader = new PeerReader({
      capacityBits: 1,
      peer: {
        kmeId: 'kme-2',
        url: 'https://127.0.0.1:9',
        tls: { ca: empty, cert: empty, key: empty },
      },
    });
    const { peer } = await reader.current();
    expect(peer).toMatchObject({ kme_id: 'kme-2', state: 'unreachable', kme: null });
    expect(peer.error).toMatch(/TLS credentials cannot be used/);
    await reader.onModuleDestroy();
  });

  it('stops at once while a read hangs on a silent peer, not after the read timeout', async () => {
    const peer = await silentPeer();
    const reader = new PeerReader({
      capacityBits: 1,
      peerTimeoutMs: 30_000,
      peer: { kmeId: 'kme-2', url: peer.url, tls: kme1Tls() },
    });
    try {
      const reading = reader.current();
      // The read is under way: its connection waits for a TLS handshake that never comes.
      await peer.connected;
      const started = Date.now();
      await reader.onModuleDestroy();
      expect(Date.now() - started).toBeLessThan(1_000);
      await expect(reading).resolves.toMatchObject({ peer: { kme_id: 'kme-2' } });
    } finally {
      await peer.close();
    }
  }, 60_000);

  it('waits for a peer that hangs until its first read times out, later reads at most PEER_WAIT_MS', async () => {
    const peer = await silentPeer();
    const timeoutMs = 1_500;
    const reader = new PeerReader({
      capacityBits: 1,
      // Reads at most every 50 ms: each call below starts one.
      sampleIntervalMs: 100,
      peerTimeoutMs: timeoutMs,
      peer: {
        kmeId: 'kme-2',
        url: peer.url,
        tls: kme1Tls(),
      },
    });
    try {
      let started = Date.now();
      const first = await reader.current();
      expect(Date.now() - started).toBeGreaterThanOrEqual(timeoutMs - 50);
      expect(first.peer).toMatchObject({ kme_id: 'kme-2', state: 'unreachable', kme: null });
      expect(first.peer.error).toMatch(/^no answer from .* within 1500 ms$/);

      started = Date.now();
      const second = await reader.current();
      expect(Date.now() - started).toBeLessThan(PEER_WAIT_MS + 250);
      expect(second.peer).toEqual(first.peer);
    } finally {
      await reader.onModuleDestroy();
      await peer.close();
    }
  }, 60_000);
});
