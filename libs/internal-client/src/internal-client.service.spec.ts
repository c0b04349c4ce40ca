import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InsufficientKeyMaterialError } from '@app/key-pool';
import { InternalClient, PeerUnreachableError } from './internal-client.service';
import { ALLOCATIONS_PATH, INTERNAL_API_PREFIX } from './internal-api.contract';

const keyId = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const keys = { epoch: 'e1', ranges: [{ start: 0, end: 32 }], keyBytes: 32, keyIds: [keyId] };
const item = { masterSaeId: 'sae-2', slaveSaeIds: ['sae-1'], number: 1, size: 256 };

/** A stand-in master KME over plain HTTP that answers every call with `answer`. */
describe('InternalClient allocations', () => {
  let server: Server;
  let client: InternalClient;
  let answer: unknown;
  const paths: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      paths.push(request.url ?? '');
      request.resume();
      request.on('end', () => {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new InternalClient({
      baseUrl: `http://127.0.0.1:${port}`,
      ca: Buffer.alloc(0),
      cert: Buffer.alloc(0),
      key: Buffer.alloc(0),
      timeoutMs: 2_000,
    });
  });

  afterAll(async () => {
    await client.onModuleDestroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('hands back the keys the master KME allocated', async () => {
    answer = { results: [{ keys }] };
    await expect(client.allocate('store-1', item)).resolves.toEqual(keys);
    expect(paths.at(-1)).toBe(`/${INTERNAL_API_PREFIX}/${ALLOCATIONS_PATH}`);
  });

  it("rebuilds the master KME's refusal as the domain error", async () => {
    answer = {
      results: [{ error: { kind: 'insufficient_material', message: 'x', bytes: [32, 8] } }],
    };
    const refusal = client.allocate('store-1', item);
    await expect(refusal).rejects.toBeInstanceOf(InsufficientKeyMaterialError);
    await expect(refusal).rejects.toMatchObject({ requestedBytes: 32, availableBytes: 8 });
  });

  it('refuses an answer that breaks the contract, naming what is wrong (503, no key)', async () => {
    answer = { results: [{ keys: { ...keys, keyIds: ['not-a-uuid'] }, note: 'hi' }] };
    const refusal = client.allocate('store-1', item);
    await expect(refusal).rejects.toBeInstanceOf(PeerUnreachableError);
    await expect(refusal).rejects.toThrow(
      /answer has invalid fields: (results\/0\/keys\/keyIds\/0, results\/0\/note|results\/0\/note, results\/0\/keys\/keyIds\/0)$/,
    );
  });

  it('refuses an answer that is not an object, or has neither keys nor an error', async () => {
    answer = [keys];
    await expect(client.allocate('store-1', item)).rejects.toThrow(/not a JSON object/);
    answer = { results: [{}] };
    await expect(client.allocate('store-1', item)).rejects.toThrow(/neither keys nor an error/);
    answer = { results: [] };
    await expect(client.allocate('store-1', item)).rejects.toThrow(/1 allocations with 0 results/);
  });
});
