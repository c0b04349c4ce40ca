import type { ApiTag } from '@app/kme-server';

/** The OpenAPI tag of the simulation API: after the ETSI routes, apart from them. */
export const SIMULATION_API_TAG = 'simulation';

export const SIMULATION_API_PREFIX = 'api/sim/v1';

export const SIMULATION_TAG: ApiTag = {
  name: SIMULATION_API_TAG,
  description:
    'The simulated QKD link: its state, faults on demand, scenarios. **Not for SAEs**: only the operator certificate (OPERATOR_CN) is admitted. The slave KME serves GET /link only.',
};
