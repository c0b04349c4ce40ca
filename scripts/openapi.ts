// Writes docs/openapi.json from the controllers' decorators (npm run openapi).
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildMasterOpenApiDocument } from '@app/kme';

export const OPENAPI_FILE = resolve(__dirname, '..', 'docs', 'openapi.json');

async function main(): Promise<void> {
  const document = await buildMasterOpenApiDocument();
  writeFileSync(OPENAPI_FILE, `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write(`written ${OPENAPI_FILE}\n`);
  process.exit(0);
}

void main();
