import { pollUntil, storedKeyCount } from './https-probe';

describe('storedKeyCount', () => {
  it('reads stored_key_count from an ETSI Status body', () => {
    expect(storedKeyCount('{"stored_key_count": 25000, "max_key_count": 100000}')).toBe(25000);
  });

  it('is undefined for anything else', () => {
    expect(storedKeyCount('{"message":"the message broker is unreachable"}')).toBeUndefined();
    expect(storedKeyCount('{"stored_key_count":"12"}')).toBeUndefined();
    expect(storedKeyCount('not json')).toBeUndefined();
    expect(storedKeyCount('null')).toBeUndefined();
  });
});

describe('pollUntil', () => {
  const never = new Promise<string>(() => undefined);

  it('resolves once the check passes', async () => {
    let calls = 0;
    await pollUntil(() => Promise.resolve(++calls === 3), 'third call', 5_000, never, 1);
    expect(calls).toBe(3);
  });

  it('gives up after its timeout', async () => {
    await expect(pollUntil(() => Promise.resolve(false), 'nothing', 50, never, 5)).rejects.toThrow(
      'nothing: not within 50 ms',
    );
  });

  it('gives up at once with the reason when abandoned', async () => {
    const abandoned = Promise.resolve('kme-1 exited (code 1, signal null)');
    await expect(
      pollUntil(() => Promise.resolve(false), 'ready', 60_000, abandoned, 5),
    ).rejects.toThrow('kme-1 exited');
  });
});
