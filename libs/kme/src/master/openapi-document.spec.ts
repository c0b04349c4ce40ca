import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildMasterOpenApiDocument } from './openapi-document';

const committed = (): unknown =>
  JSON.parse(readFileSync(resolve(__dirname, '../../../../docs/openapi.json'), 'utf8'));

describe('docs/openapi.json', () => {
  it('is what `npm run openapi` generates from the current decorators', async () => {
    expect(committed()).toEqual(JSON.parse(JSON.stringify(await buildMasterOpenApiDocument())));
  });

  it('documents every ETSI route with 200, 400, 401 and 503 and the mutual-TLS scheme', async () => {
    const document = await buildMasterOpenApiDocument();
    const routes: [string, 'get' | 'post'][] = [
      ['/api/v1/keys/{slave_SAE_ID}/status', 'get'],
      ['/api/v1/keys/{slave_SAE_ID}/enc_keys', 'get'],
      ['/api/v1/keys/{slave_SAE_ID}/enc_keys', 'post'],
      ['/api/v1/keys/{master_SAE_ID}/dec_keys', 'get'],
      ['/api/v1/keys/{master_SAE_ID}/dec_keys', 'post'],
    ];
    for (const [path, method] of routes) {
      const operation = document.paths[path]?.[method];
      expect(Object.keys(operation?.responses ?? {}).sort()).toEqual(['200', '400', '401', '503']);
      expect(operation?.security).toEqual([{ mutualTLS: [] }]);
    }
    expect(Object.keys(document.components?.schemas ?? {})).toEqual(
      expect.arrayContaining(['Status', 'KeyRequest', 'KeyContainer', 'KeyIDs', 'Error']),
    );
    expect(document.components?.securitySchemes?.mutualTLS).toMatchObject({ type: 'mutualTLS' });
  });

  it('lists the KME-to-KME routes under the kme-internal tag', async () => {
    const document = await buildMasterOpenApiDocument();
    const internal = Object.entries(document.paths).filter(([path]) =>
      path.startsWith('/api/internal/'),
    );
    expect(internal.map(([path]) => path).sort()).toEqual([
      '/api/internal/v1/allocations',
      '/api/internal/v1/link/barrier',
      '/api/internal/v1/link/sync',
    ]);
    for (const [, item] of internal) expect(item.post?.tags).toEqual(['kme-internal']);
  });
});
