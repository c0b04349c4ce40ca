import { KmeTestPair } from './support/kme-harness';

interface KeyContainer {
  keys: { key_ID: string; key: string }[];
}

describe('a KME pair on a real broker', () => {
  let pair: KmeTestPair;

  beforeAll(async () => {
    pair = await KmeTestPair.start({ env: { KEY_RATE_BPS: '0' } });
    await pair.waitForKeys(10);
  });

  afterAll(() => pair.stop());

  it('delivers at the slave KME the key the master KME handed out', async () => {
    const enc = await pair
      .client('master', 'sae-1')
      .get<KeyContainer>('/api/v1/keys/sae-2/enc_keys?size=256');
    expect(enc.status).toBe(200);
    const [key] = enc.body.keys;
    const dec = await pair
      .client('slave', 'sae-2')
      .get<KeyContainer>(`/api/v1/keys/sae-1/dec_keys?key_ID=${key.key_ID}`);
    expect(dec.status).toBe(200);
    expect(dec.body.keys).toEqual([key]);
    expect(Buffer.from(key.key, 'base64')).toHaveLength(32);
  });
});
