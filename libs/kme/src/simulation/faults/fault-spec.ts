import { InvalidRequestError } from '@app/etsi-api';

/** The next `count` key requests (enc_keys, dec_keys) at one KME answer 503. */
export interface RefuseRequestsSpec {
  readonly kind: 'refuse_requests';
  readonly count: number;
  /** The KME that refuses; the master KME when absent. */
  readonly kme_id?: string;
}

/** Activations reach the slave KME `ms` late, for `duration_s` seconds. */
export interface RelayDelaySpec {
  readonly kind: 'relay_delay';
  readonly ms: number;
  readonly duration_s: number;
}

/** POST /api/sim/v1/faults. */
export type FaultSpec = RefuseRequestsSpec | RelayDelaySpec;

export const FAULT_KINDS = ['refuse_requests', 'relay_delay'] as const;

/** The members of a fault body, checked one by one (by its DTO) but not yet together. */
export interface FaultMembers {
  readonly kind: (typeof FAULT_KINDS)[number];
  readonly count?: number;
  readonly kme_id?: string;
  readonly ms?: number;
  readonly duration_s?: number;
}

const MEMBERS_OF: Readonly<Record<FaultMembers['kind'], readonly (keyof FaultMembers)[]>> = {
  refuse_requests: ['count', 'kme_id'],
  relay_delay: ['ms', 'duration_s'],
};

const REQUIRED_OF: Readonly<Record<FaultMembers['kind'], readonly (keyof FaultMembers)[]>> = {
  refuse_requests: ['count'],
  relay_delay: ['ms', 'duration_s'],
};

/**
 * The fault a body describes. A member of the other kind would change nothing if ignored, yet
 * whoever sent it meant something by it: refused (400) naming it, as a missing one is.
 */
export function faultSpecOf(members: FaultMembers): FaultSpec {
  const own = MEMBERS_OF[members.kind];
  for (const kind of Object.keys(MEMBERS_OF) as FaultMembers['kind'][]) {
    for (const member of MEMBERS_OF[kind]) {
      if (!own.includes(member) && members[member] !== undefined) {
        throw InvalidRequestError.field(member, `is not a member of a ${members.kind} fault`);
      }
    }
  }
  for (const member of REQUIRED_OF[members.kind]) {
    if (members[member] === undefined) {
      throw InvalidRequestError.field(member, `is required for a ${members.kind} fault`);
    }
  }
  return members.kind === 'refuse_requests'
    ? {
        kind: 'refuse_requests',
        count: members.count!,
        ...(members.kme_id === undefined ? {} : { kme_id: members.kme_id }),
      }
    : { kind: 'relay_delay', ms: members.ms!, duration_s: members.duration_s! };
}
