import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type SecureVersion, type TLSSocket } from 'node:tls';
import {
  InProcessKme,
  TestPki,
  bodyOf,
  encPath,
  expectEtsiError,
  statusPath,
  type ClientIdentity,
  type KeyContainer,
} from './in-process-kme';

/**
 * Authentication at the TLS layer and in SaeAuthGuard (digest §6): a pinned SAE certificate
 * (SAE_CERT) admits only itself, and no TLS version below 1.2 completes a handshake.
 */
describe('ETSI API in-process: authentication', () => {
  let pki: TestPki;

  beforeAll(() => {
    pki = TestPki.create();
  });

  afterAll(() => pki?.remove());

  describe('with SAE_CERT pinning sae-1', () => {
    let kme: InProcessKme;
    let reissued: ClientIdentity;

    beforeAll(async () => {
      const pinned = new X509Certificate(pki.identity('sae-1').cert).raw;
      kme = await InProcessKme.start(pki, { options: { pinnedSaeCertificate: pinned } });
      reissued = pki.reissue('sae-1');
    });

    afterAll(() => kme?.close());

    beforeEach(() => kme.delivery.reset());

    it('the pinned certificate passes', async () => {
      await kme.as('sae-1').get(statusPath('sae-2')).expect(200);
      const answer = await kme.as('sae-1').get(encPath('sae-2')).expect(200);
      expect(bodyOf<KeyContainer>(answer).keys).toHaveLength(1);
      expect(kme.delivery.consumingCalls).toHaveLength(1);
    });

    it('another valid sae-1 certificate from the same CA is refused with 401, nothing consumed', async () => {
      // Same CN, same CA, accepted by TLS: only the pin tells it apart.
      expect(new X509Certificate(reissued.cert).subject).toBe('CN=sae-1');
      expect(new X509Certificate(reissued.cert).verify(new X509Certificate(pki.ca).publicKey)).toBe(
        true,
      );
      for (const answer of [
        await kme.as(reissued).get(statusPath('sae-2')),
        await kme.as(reissued).get(encPath('sae-2')),
        await kme.as(reissued).post(encPath('sae-2'), { number: 1 }),
      ]) {
        expectEtsiError(answer, 401, 'the client certificate is not the pinned SAE certificate');
      }
      expect(kme.delivery.calls).toEqual([]);
    });

    it('an SAE attached to this KME other than the pinned one is refused too', async () => {
      expectEtsiError(await kme.as('sae-3').get(statusPath('sae-2')), 401, /pinned/);
      expect(kme.delivery.calls).toEqual([]);
    });
  });

  describe('without SAE_CERT', () => {
    let kme: InProcessKme;

    beforeAll(async () => {
      kme = await InProcessKme.start(pki);
    });

    afterAll(() => kme?.close());

    it('the re-issued sae-1 certificate is an ordinary sae-1 (what the pin refuses above is the pin)', async () => {
      await kme.as(pki.reissue('sae-1')).get(statusPath('sae-2')).expect(200);
    });

    it('every SAE attached to this KME passes', async () => {
      await kme.as('sae-1').get(statusPath('sae-2')).expect(200);
      await kme.as('sae-3').get(statusPath('sae-2')).expect(200);
    });
  });

  describe('TLS floor: 1.2', () => {
    let kme: InProcessKme;
    let sae: ClientIdentity;

    beforeAll(async () => {
      kme = await InProcessKme.start(pki);
      sae = pki.identity('sae-1');
    });

    afterAll(() => kme?.close());

    /** What a legacy client offers: TLS 1.0 and 1.1 only, with ciphers OpenSSL 3 would not offer. */
    const legacy = {
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    } as const;

    /** The handshake's outcome: the version agreed, or the error. */
    async function handshake(port: number, options: typeof legacy): Promise<string> {
      const socket = connect({ host: '127.0.0.1', port, ca: pki.ca, ...sae, ...options });
      try {
        await once(socket, 'secureConnect');
        return socket.getProtocol() ?? 'unknown';
      } catch (error) {
        return `refused: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
      } finally {
        socket.destroy();
      }
    }

    it('this client can speak TLS 1.1 at all: a server that allows it agrees on TLSv1.1', async () => {
      // The control: without it the refusal below might be the client's, not the KME's.
      const tls = pki.tlsOf('kme-1');
      const lenient = createServer({
        cert: tls.cert,
        key: tls.key,
        minVersion: 'TLSv1',
        ciphers: 'DEFAULT@SECLEVEL=0',
      });
      lenient.on('secureConnection', (socket: TLSSocket) => socket.end());
      lenient.listen(0, '127.0.0.1');
      await once(lenient, 'listening');
      try {
        expect(await handshake((lenient.address() as AddressInfo).port, legacy)).toBe('TLSv1.1');
      } finally {
        lenient.close();
      }
    });

    it('a client forcing TLS 1.1 or lower fails the handshake with the KME', async () => {
      // The KME's alert: it knows the version and will not speak it.
      expect(await handshake(kme.port, legacy)).toBe(
        'refused: ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
      );
    });

    it.each(['TLSv1.2', 'TLSv1.3'] as const)(
      'a client forcing %s gets its answer over that version',
      async (version: SecureVersion) => {
        const req = httpsRequest({
          host: '127.0.0.1',
          port: kme.port,
          path: statusPath('sae-2'),
          ca: pki.ca,
          ...sae,
          minVersion: version,
          maxVersion: version,
          agent: false,
        });
        req.end();
        const [response] = (await once(req, 'response')) as [IncomingMessage];
        response.resume();
        expect(response.statusCode).toBe(200);
        expect((response.socket as TLSSocket).getProtocol()).toBe(version);
      },
    );
  });
});
