import type { OpenAPIObject } from '@nestjs/swagger';
import type { EtsiApiOptions } from './etsi-api.options';

type Operation = {
  parameters?: { name: string; in: string; example?: unknown; schema?: { example?: unknown } }[];
  requestBody?: { content?: Record<string, { examples?: Record<string, { value: unknown }> }> };
};

/**
 * Fills the examples Swagger UI prefills with what this KME accepts: its own peer SAE in the
 * path, its default key size. "Try it out" → "Execute" then works as it stands.
 */
export function personalizeEtsiDocument(
  document: OpenAPIObject,
  options: Pick<EtsiApiOptions, 'linkedSaeIds' | 'keys'>,
): OpenAPIObject {
  const peerSae = options.linkedSaeIds[0];
  const size = options.keys.defaultKeySize;
  const examples: Record<string, unknown> = {
    slave_SAE_ID: peerSae,
    master_SAE_ID: peerSae,
    number: 1,
    size,
  };
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith('/api/v1/keys/')) continue;
    for (const operation of Object.values(item) as Operation[]) {
      for (const parameter of operation?.parameters ?? []) {
        if (parameter.name in examples) parameter.example = examples[parameter.name];
      }
      const bodyExamples = operation?.requestBody?.content?.['application/json']?.examples;
      const twoKeys = bodyExamples?.['two keys of 256 bits'];
      if (bodyExamples !== undefined && twoKeys !== undefined) {
        delete bodyExamples['two keys of 256 bits'];
        bodyExamples[`two keys of ${size} bits`] = { value: { number: 2, size } };
      }
    }
  }
  return document;
}
