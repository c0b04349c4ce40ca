import { ETSI_API_TAG, personalizeEtsiDocument } from '@app/etsi-api';
import { INTERNAL_API_TAG } from '@app/internal-client';
import type { KmeDocs } from '../bootstrap/kme-docs';
import { SIMULATION_TAG } from '../simulation/api/simulation-docs';

/**
 * The master KME's API documentation: the ETSI API first, then the simulation API of the
 * operator, then the KME-to-KME API of the link.
 */
export const MASTER_KME_DOCS: KmeDocs = {
  title: 'QKD master KME',
  tags: [
    { name: ETSI_API_TAG, description: 'ETSI GS QKD 014 V1.1.1: the key delivery API for SAEs' },
    SIMULATION_TAG,
    {
      name: INTERNAL_API_TAG,
      description:
        'KME-to-KME API of the link, called by the slave KME. **Not for SAEs**: only the peer KME certificate is admitted.',
    },
  ],
  personalize: personalizeEtsiDocument,
};
