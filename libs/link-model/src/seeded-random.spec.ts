import { createCipheriv, createHash } from 'node:crypto';
import { SeededRandom } from './seeded-random';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('SeededRandom', () => {
  it('gives the same bytes and IDs for the same seed', () => {
    const a = new SeededRandom('link-1');
    const b = new SeededRandom('link-1');
    expect(a.bytes(1000)).toEqual(b.bytes(1000));
    expect([a.uuid(), a.uuid()]).toEqual([b.uuid(), b.uuid()]);
  });

  it('gives different bytes and IDs for different seeds', () => {
    const a = new SeededRandom('link-1');
    const b = new SeededRandom('link-2');
    expect(a.bytes(32)).not.toEqual(b.bytes(32));
    expect(a.uuid()).not.toBe(b.uuid());
  });

  it('continues the stream across calls, whatever the chunk sizes', () => {
    const whole = new SeededRandom('s').bytes(100);
    const chunked = new SeededRandom('s');
    const parts = [1, 15, 16, 17, 51].map((n) => chunked.bytes(n));
    expect(Buffer.concat(parts)).toEqual(whole);
  });

  it('keeps material and IDs apart: taking IDs does not shift the material', () => {
    const plain = new SeededRandom('s');
    const withIds = new SeededRandom('s');
    withIds.uuid();
    withIds.uuid();
    expect(withIds.bytes(64)).toEqual(plain.bytes(64));
    expect(new SeededRandom('s').bytes(16).toString('hex')).not.toBe(
      new SeededRandom('s').uuid().replace(/-/g, ''),
    );
  });

  it.each([0, 5, 16, 37, 4096, 1_000_003])(
    'resumed at material offset %i equals the continuation',
    (offset) => {
      const whole = new SeededRandom('resume').bytes(offset + 40);
      const resumed = new SeededRandom('resume', { materialOffset: offset });
      expect(resumed.bytes(40)).toEqual(whole.subarray(offset));
    },
  );

  it('resumed at an ID count equals the continuation', () => {
    const first = new SeededRandom('ids');
    const ids = Array.from({ length: 5 }, () => first.uuid());
    const resumed = new SeededRandom('ids', { idCount: 3 });
    expect([resumed.uuid(), resumed.uuid()]).toEqual(ids.slice(3));
  });

  it('reports the position it stands at, and a copy built from it continues the same', () => {
    const a = new SeededRandom('pos');
    a.bytes(21);
    a.uuid();
    expect(a.position).toEqual({ materialOffset: 21, idCount: 1 });
    const b = new SeededRandom('pos', a.position);
    expect(b.bytes(10)).toEqual(a.bytes(10));
    expect(b.uuid()).toBe(a.uuid());
  });

  it('returns RFC 4122 version-4 UUIDs in lower case, all distinct', () => {
    const random = new SeededRandom('uuids');
    const ids = Array.from({ length: 1000 }, () => random.uuid());
    for (const id of ids) {
      expect(id).toMatch(UUID_V4);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is AES-256-CTR over zeros, keyed by SHA-256 of a domain label and the seed', () => {
    // Independent of the class: the construction written out with node:crypto directly.
    const key = createHash('sha256')
      .update('qkd-kme-simulator/link-model/material/v1\0seed')
      .digest();
    const expected = createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(48));
    expect(new SeededRandom('seed').bytes(48)).toEqual(expected);
  });

  it('keeps producing the stream it produced when written (a KME restarted after an upgrade must agree)', () => {
    expect(new SeededRandom('qkd').bytes(16).toString('hex')).toBe(
      '87c9f271c17a49cfff19995396aab3ba',
    );
    expect(new SeededRandom('qkd').uuid()).toBe('0f54975e-b71a-4b5f-a795-a134b90390a7');
  });

  it('refuses negative or fractional positions', () => {
    expect(() => new SeededRandom('s', { materialOffset: -1 })).toThrow(RangeError);
    expect(() => new SeededRandom('s', { idCount: 1.5 })).toThrow(RangeError);
    expect(() => new SeededRandom('s').bytes(-1)).toThrow(RangeError);
  });
});
