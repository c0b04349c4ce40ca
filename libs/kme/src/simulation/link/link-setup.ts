import type { LinkSettings } from '@app/config';
import { InvalidRequestError } from '@app/etsi-api';
import {
  LINK_PRESETS,
  linkStateOf,
  NO_FAULTS,
  type LinkFaults,
  type LinkParameters,
  type LinkPresetId,
} from '@app/link-model';

/** Where the link's rate comes from: a fixed rate (KEY_RATE_BPS), or the physics of a fibre. */
export type RateSource =
  | {
      readonly kind: 'fixed-rate';
      /** Bits/s; 0 means as fast as the machine allows, as KEY_RATE_BPS=0. */
      readonly rateBps: number;
    }
  | {
      readonly kind: 'physics';
      /** The preset the parameters started from, or null. */
      readonly preset: LinkPresetId | null;
      readonly parameters: LinkParameters;
    };

/** Everything that decides what the link does: its rate source and the faults on it. */
export interface LinkSetup {
  readonly source: RateSource;
  readonly faults: LinkFaults;
}

/**
 * The link as the simulation API shows it (GET /api/sim/v1/link), snake_case like the ETSI API.
 * `secret_key_rate_bps` is null for a link without a rate limit (KEY_RATE_BPS=0) that generates.
 */
export interface LinkView {
  readonly quantum_channel: 'up' | 'down';
  readonly eavesdropper: boolean;
  readonly qber: number;
  readonly secret_key_rate_bps: number | null;
  readonly distance_km: number | null;
  readonly preset: string | null;
  readonly generating: boolean;
  readonly reason: string | null;
}

/** A change of the link (PATCH /api/sim/v1/link, a scenario step); what is absent stays. */
export interface LinkChange {
  readonly quantum_channel?: 'up' | 'down';
  readonly eavesdropper?: boolean;
  readonly distance_km?: number;
  readonly preset?: string;
  readonly key_rate_bps?: number;
}

export const LINK_CHANGE_MEMBERS = [
  'quantum_channel',
  'eavesdropper',
  'distance_km',
  'preset',
  'key_rate_bps',
] as const satisfies readonly (keyof LinkChange)[];

/** The link a KME starts with: its settings, no faults. */
export function initialSetupOf(link: LinkSettings): LinkSetup {
  const source: RateSource =
    link.model === 'fixed-rate'
      ? { kind: 'fixed-rate', rateBps: link.rateBps }
      : { kind: 'physics', preset: link.preset ?? null, parameters: link.parameters };
  return { source, faults: NO_FAULTS };
}

/**
 * Bits per second the key source may produce under this setup: 0 while the link does not
 * generate, Infinity for a fixed-rate link of rate 0 (no limit).
 */
export function rateOf(setup: LinkSetup): number {
  const { source } = setup;
  if (source.kind === 'fixed-rate' && source.rateBps === 0) {
    return linkStateOf({ fixedRateBps: 1 }, setup.faults).generating ? Infinity : 0;
  }
  return stateOf(setup).secretKeyRateBps;
}

function stateOf(setup: LinkSetup) {
  const { source, faults } = setup;
  return source.kind === 'fixed-rate'
    ? // Rate 0 is "no limit" here, not "no key": the state is that of a link that has a rate.
      linkStateOf({ fixedRateBps: source.rateBps === 0 ? 1 : source.rateBps }, faults)
    : linkStateOf(source.parameters, faults);
}

export function viewOf(setup: LinkSetup): LinkView {
  const { source, faults } = setup;
  const state = stateOf(setup);
  const unlimited = source.kind === 'fixed-rate' && source.rateBps === 0;
  return {
    quantum_channel: faults.quantumChannel,
    eavesdropper: faults.eavesdropper,
    qber: state.qber,
    secret_key_rate_bps: unlimited && state.generating ? null : state.secretKeyRateBps,
    distance_km: source.kind === 'physics' ? source.parameters.fibreLengthKm : null,
    preset: source.kind === 'physics' ? source.preset : null,
    generating: state.generating,
    reason: state.reason,
  };
}

const isPreset = (name: string): name is LinkPresetId => Object.hasOwn(LINK_PRESETS, name);

/**
 * The setup after `change`. Values are checked by the DTO; this refuses what does not fit
 * together, naming the member: a fixed rate with physics, a distance on a fixed-rate link.
 */
export function applyChange(setup: LinkSetup, change: LinkChange): LinkSetup {
  let source = setup.source;
  if (change.key_rate_bps !== undefined) {
    if (change.preset !== undefined || change.distance_km !== undefined) {
      throw InvalidRequestError.field(
        'key_rate_bps',
        'sets a fixed rate without physics: it cannot be given with preset or distance_km',
      );
    }
    source = { kind: 'fixed-rate', rateBps: change.key_rate_bps };
  }
  if (change.preset !== undefined) {
    if (!isPreset(change.preset)) {
      throw InvalidRequestError.field(
        'preset',
        `must be one of ${Object.keys(LINK_PRESETS).join(', ')}`,
      );
    }
    source = {
      kind: 'physics',
      preset: change.preset,
      parameters: LINK_PRESETS[change.preset].parameters,
    };
  }
  if (change.distance_km !== undefined) {
    if (source.kind !== 'physics') {
      throw InvalidRequestError.field(
        'distance_km',
        'applies to a link modelled from physics: give a preset with it (this link has a fixed rate)',
      );
    }
    source = { ...source, parameters: { ...source.parameters, fibreLengthKm: change.distance_km } };
  }
  return {
    source,
    faults: {
      quantumChannel: change.quantum_channel ?? setup.faults.quantumChannel,
      eavesdropper: change.eavesdropper ?? setup.faults.eavesdropper,
    },
  };
}

/**
 * The setup `current` with the members of `change` set back to what `before` had: how a timed
 * change of a scenario ends. The rate source comes back whole when the change touched it.
 */
export function revertChange(current: LinkSetup, before: LinkSetup, change: LinkChange): LinkSetup {
  const touchedSource =
    change.key_rate_bps !== undefined ||
    change.preset !== undefined ||
    change.distance_km !== undefined;
  return {
    source: touchedSource ? before.source : current.source,
    faults: {
      quantumChannel:
        change.quantum_channel !== undefined
          ? before.faults.quantumChannel
          : current.faults.quantumChannel,
      eavesdropper:
        change.eavesdropper !== undefined
          ? before.faults.eavesdropper
          : current.faults.eavesdropper,
    },
  };
}

const percent = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** 639123 → "639 kbit/s"; null → "unlimited". */
export function formatRate(bps: number | null): string {
  if (bps === null) return 'unlimited';
  const units: [number, string][] = [
    [1e9, 'Gbit/s'],
    [1e6, 'Mbit/s'],
    [1e3, 'kbit/s'],
  ];
  for (const [scale, unit] of units) {
    if (bps >= scale) return `${(bps / scale).toPrecision(3)} ${unit}`;
  }
  return `${bps.toPrecision(3)} bit/s`;
}

/** The link in a few words, for logs: "long-haul, 100 km: QBER 1.0%, 639 kbit/s". */
export function describeView(view: LinkView): string {
  const what =
    view.distance_km === null
      ? 'fixed rate'
      : `${view.preset ?? 'custom link'}, ${view.distance_km} km`;
  const faults = [
    ...(view.quantum_channel === 'down' ? ['quantum channel down'] : []),
    ...(view.eavesdropper ? ['eavesdropper on'] : []),
  ];
  const state = view.generating
    ? `QBER ${percent(view.qber)}, ${formatRate(view.secret_key_rate_bps)}`
    : `QBER ${percent(view.qber)}, not generating: ${view.reason ?? 'no key'}`;
  return `${what}${faults.length > 0 ? ` (${faults.join(', ')})` : ''}: ${state}`;
}

/** The members a change sets, for logs: "eavesdropper=true, distance_km=80". */
export function describeChange(change: LinkChange): string {
  const set = LINK_CHANGE_MEMBERS.filter((member) => change[member] !== undefined);
  return set.length === 0
    ? 'nothing'
    : set.map((member) => `${member}=${String(change[member])}`).join(', ');
}
