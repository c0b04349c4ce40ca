import { scrubKeyMaterial } from './scrub';

const PEM =
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';

describe('scrubKeyMaterial', () => {
  it('drops every field named key, at any depth, and keeps the rest', () => {
    expect(
      scrubKeyMaterial({
        key: 'top',
        keys: [
          { key_ID: 'id-1', key: 'q83v' },
          { key_ID: 'id-2', key: 'AAEC' },
        ],
        nested: { deeper: { key: 'x', keyId: 'id-3' } },
        key_size_bits: 256,
      }),
    ).toEqual({
      keys: [{ key_ID: 'id-1' }, { key_ID: 'id-2' }],
      nested: { deeper: { keyId: 'id-3' } },
      key_size_bits: 256,
    });
  });

  it('reduces binary data to its length, whatever its name', () => {
    expect(
      scrubKeyMaterial({
        material: Buffer.alloc(32, 7),
        view: new Uint8Array(16),
        raw: new ArrayBuffer(8),
      }),
    ).toEqual({ material: '[32 bytes]', view: '[16 bytes]', raw: '[8 bytes]' });
  });

  it('replaces PEM private keys, wherever they are', () => {
    expect(scrubKeyMaterial({ tls: { cert: 'CERT', privateKeyPem: PEM }, list: [PEM] })).toEqual({
      tls: { cert: 'CERT', privateKeyPem: '[private key]' },
      list: ['[private key]'],
    });
  });

  it('leaves errors and other class instances to their serializers', () => {
    const error = new Error('boom');
    const date = new Date(0);
    const scrubbed = scrubKeyMaterial({ err: error, at: date });
    expect(scrubbed.err).toBe(error);
    expect(scrubbed.at).toBe(date);
  });

  it('stops at a bounded depth, cycles included', () => {
    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle.self = cycle;
    const text = JSON.stringify(scrubKeyMaterial({ cycle }));
    expect(text).toContain('[…]');
  });

  it('does not change the object it was given', () => {
    const object = { keys: [{ key_ID: 'id', key: 'secret' }] };
    scrubKeyMaterial(object);
    expect(object.keys[0].key).toBe('secret');
  });
});
