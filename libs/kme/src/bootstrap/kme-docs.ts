import type { OpenAPIObject } from '@nestjs/swagger';
import type { KmeSettings } from '@app/config';
import type { ApiTag } from '@app/kme-server';

/** What the API documentation of a KME shows, besides what its settings say. */
export interface KmeDocs {
  readonly title: string;
  /** Sections in reading order: the ETSI API first. */
  readonly tags: readonly ApiTag[];
  /** Fills the examples with what this KME accepts, so that "Try it out" works as it stands. */
  readonly personalize?: (document: OpenAPIObject, settings: KmeSettings) => OpenAPIObject;
}

/** DI token of the KME's KmeDocs, provided by the KME module. */
export const KME_DOCS = Symbol('KME_DOCS');
