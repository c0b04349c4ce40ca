import { LINK_PRESETS, type LinkParameters, type LinkPresetId } from '@app/link-model';

/**
 * How the master KME's simulated link makes its rate:
 * - `fixed-rate`: KEY_RATE_BPS bits/s, no physics (0: as fast as the machine allows);
 * - `physics`: the decoy-state BB84 model of libs/link-model, from LINK_PRESET and the LINK_*
 *   variables.
 */
export type LinkSettings =
  | {
      readonly model: 'fixed-rate';
      /** Bits/s; 0 means unlimited. */
      readonly rateBps: number;
      /** LINK_* variables given but not used, because KEY_RATE_BPS was given too. */
      readonly ignoredVariables: readonly string[];
    }
  | {
      readonly model: 'physics';
      /** The preset the parameters start from; undefined when LINK_PRESET was not given. */
      readonly preset: LinkPresetId | undefined;
      readonly parameters: LinkParameters;
    };

/** The variables of the link model, each with the parameter it sets. */
export const LINK_PARAMETER_VARIABLES = {
  LINK_DISTANCE_KM: 'fibreLengthKm',
  LINK_FIBRE_LOSS_DB_PER_KM: 'fibreLossDbPerKm',
  LINK_DETECTOR_EFFICIENCY: 'detectorEfficiency',
  LINK_DARK_COUNT_PROBABILITY: 'darkCountProbability',
  LINK_MISALIGNMENT_ERROR: 'misalignmentError',
  LINK_EC_INEFFICIENCY: 'errorCorrectionInefficiency',
  LINK_SIGNAL_INTENSITY: 'signalIntensity',
  LINK_PULSE_RATE_HZ: 'pulseRateHz',
} as const satisfies Record<string, keyof LinkParameters>;

export type LinkParameterVariable = keyof typeof LINK_PARAMETER_VARIABLES;

/** Every variable that asks for the physics model. */
export const LINK_VARIABLES: readonly string[] = [
  'LINK_PRESET',
  ...Object.keys(LINK_PARAMETER_VARIABLES),
];

/** The hardware the LINK_* variables start from when LINK_PRESET is not given. */
export const BASE_LINK_PRESET: LinkPresetId = 'metro';

export const LINK_PRESET_IDS = Object.keys(LINK_PRESETS) as LinkPresetId[];

/** The values of the LINK_* variables, parsed and validated. */
export type LinkVariableValues = {
  readonly LINK_PRESET?: string;
} & {
  readonly [name in LinkParameterVariable]?: name extends 'LINK_SIGNAL_INTENSITY'
    ? number | 'optimal'
    : number;
};

/**
 * KEY_RATE_BPS has a default, so "given" means given in the environment (or the module's
 * config), not merely present after defaults: the physics model applies when LINK_PRESET or any
 * LINK_* is given and KEY_RATE_BPS is not. KEY_RATE_BPS given explicitly always wins.
 */
export function linkSettingsOf(
  values: LinkVariableValues,
  keyRateBps: number,
  given: (name: string) => boolean,
): LinkSettings {
  const linkGiven = LINK_VARIABLES.filter(given);
  if (linkGiven.length === 0 || given('KEY_RATE_BPS')) {
    return { model: 'fixed-rate', rateBps: keyRateBps, ignoredVariables: linkGiven };
  }
  const preset = values.LINK_PRESET as LinkPresetId | undefined;
  const base = LINK_PRESETS[preset ?? BASE_LINK_PRESET].parameters;
  const number = (
    name: Exclude<LinkParameterVariable, 'LINK_SIGNAL_INTENSITY'>,
    fallback: number,
  ) => values[name] ?? fallback;
  return {
    model: 'physics',
    preset,
    parameters: {
      ...base,
      fibreLengthKm: number('LINK_DISTANCE_KM', base.fibreLengthKm),
      fibreLossDbPerKm: number('LINK_FIBRE_LOSS_DB_PER_KM', base.fibreLossDbPerKm),
      detectorEfficiency: number('LINK_DETECTOR_EFFICIENCY', base.detectorEfficiency),
      darkCountProbability: number('LINK_DARK_COUNT_PROBABILITY', base.darkCountProbability),
      misalignmentError: number('LINK_MISALIGNMENT_ERROR', base.misalignmentError),
      errorCorrectionInefficiency: number('LINK_EC_INEFFICIENCY', base.errorCorrectionInefficiency),
      signalIntensity: values.LINK_SIGNAL_INTENSITY ?? base.signalIntensity,
      pulseRateHz: number('LINK_PULSE_RATE_HZ', base.pulseRateHz),
    },
  };
}
