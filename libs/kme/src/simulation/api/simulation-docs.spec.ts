import { buildMasterOpenApiDocument } from '../../master/openapi-document';

describe('the simulation API in the OpenAPI document', () => {
  it('has its own tag, right after the ETSI one, on every /api/sim/v1 route, operator only', async () => {
    const document = await buildMasterOpenApiDocument();
    expect(document.tags?.map((tag) => tag.name)).toEqual([
      'etsi-gs-qkd-014',
      'simulation',
      'kme-internal',
    ]);
    const routes = Object.entries(document.paths).filter(([path]) => path.startsWith('/api/sim/'));
    const operations = routes.flatMap(([path, item]) =>
      (['get', 'patch', 'post', 'delete'] as const)
        .filter((method) => item[method] !== undefined)
        .map((method) => ({ route: `${method.toUpperCase()} ${path}`, operation: item[method]! })),
    );
    expect(operations.map(({ route }) => route)).toEqual([
      'GET /api/sim/v1/link',
      'PATCH /api/sim/v1/link',
      'POST /api/sim/v1/pool/drain',
      'GET /api/sim/v1/faults',
      'POST /api/sim/v1/faults',
      'DELETE /api/sim/v1/faults',
      'GET /api/sim/v1/scenario',
    ]);
    for (const { operation } of operations) {
      expect(operation.tags).toEqual(['simulation']);
      expect(operation.security).toEqual([{ mutualTLS: [] }]);
      expect(Object.keys(operation.responses)).toContain('401');
    }
    // The ETSI routes come first in the document, then these.
    const paths = Object.keys(document.paths);
    expect(paths.findIndex((path) => path.startsWith('/api/sim/'))).toBeGreaterThan(
      paths.findIndex((path) => path.startsWith('/api/v1/keys/')),
    );
  });
});
