import { readFileSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { parse as parseYaml } from 'yaml';
import { ConfigurationError } from '@app/config';
import { InvalidRequestError } from '@app/etsi-api';
import { faultSpecOf, type FaultSpec } from '../faults/fault-spec';
import {
  applyChange,
  LINK_CHANGE_MEMBERS,
  type LinkChange,
  type LinkSetup,
} from '../link/link-setup';
import { ScenarioDto, type ScenarioStepDto } from './scenario.dto';

/** What a step does. */
export type ScenarioAction =
  | { readonly kind: 'link'; readonly change: LinkChange; readonly forS?: number }
  | { readonly kind: 'fault'; readonly fault: FaultSpec }
  | { readonly kind: 'drain' };

export interface ScenarioStep {
  /** Seconds from the master KME's start. */
  readonly at: number;
  readonly action: ScenarioAction;
}

export interface Scenario {
  readonly file: string;
  /** In the order of the file. */
  readonly steps: readonly ScenarioStep[];
}

/**
 * Reads a scenario: JSON or YAML (YAML 1.2 reads JSON too), `{ "steps": [...] }` or the list of
 * steps alone. Each step has `at` (seconds from the start) and one of `link` (a change as
 * PATCH /api/sim/v1/link takes it, undone after `for` seconds when given), `fault` (as POST
 * /api/sim/v1/faults takes it) or `drain: true`. Every problem stops the KME at start, naming
 * the file and the step, as a bad setting does. The link changes are tried in time order on the
 * starting link, so that one that cannot apply (a distance on a fixed-rate link) is found now.
 */
export function readScenario(file: string, initial: LinkSetup): Scenario {
  const fail = (problem: string): never => {
    throw new ConfigurationError([`SCENARIO_FILE ${file}: ${problem}`]);
  };
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    return fail(
      `not readable as JSON or YAML: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const document: unknown = Array.isArray(raw) ? { steps: raw } : raw;
  if (typeof document !== 'object' || document === null) {
    return fail('must hold { "steps": [...] } or a list of steps');
  }
  const scenario = plainToInstance(ScenarioDto, document);
  const errors = validateSync(scenario, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  if (errors.length > 0) return fail(errors.flatMap((error) => problemsOf(error, '')).join('; '));
  const steps = scenario.steps.map((step, index) => {
    try {
      return stepOf(step);
    } catch (error) {
      return fail(`steps[${index}]: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  tryInOrder(steps, initial, fail);
  return { file, steps };
}

function stepOf(step: ScenarioStepDto): ScenarioStep {
  const actions = (['link', 'fault', 'drain'] as const).filter((name) => step[name] !== undefined);
  if (actions.length !== 1) {
    throw new Error(
      `a step does one of link, fault or drain (this one: ${actions.join(', ') || 'none'})`,
    );
  }
  if (step.for !== undefined && step.link === undefined) {
    throw new Error('for applies to a link change only (a relay_delay fault has its duration_s)');
  }
  if (step.link !== undefined) {
    return {
      at: step.at,
      action: {
        kind: 'link',
        change: changeOf(step.link),
        ...(step.for === undefined ? {} : { forS: step.for }),
      },
    };
  }
  if (step.fault !== undefined)
    return { at: step.at, action: { kind: 'fault', fault: faultSpecOf(step.fault) } };
  return { at: step.at, action: { kind: 'drain' } };
}

/** The members the step gives, and only those. */
function changeOf(link: LinkChange): LinkChange {
  const given = LINK_CHANGE_MEMBERS.filter((member) => link[member] !== undefined);
  return Object.fromEntries(given.map((member) => [member, link[member]]));
}

/** Applies the link changes, and their ends, in the order they will happen. */
function tryInOrder(
  steps: readonly ScenarioStep[],
  initial: LinkSetup,
  fail: (p: string) => never,
): void {
  const events = steps.flatMap((step, index) =>
    step.action.kind === 'link' ? [{ at: step.at, index, change: step.action.change }] : [],
  );
  let setup = initial;
  for (const event of [...events].sort((a, b) => a.at - b.at)) {
    try {
      setup = applyChange(setup, event.change);
    } catch (error) {
      const detail = error instanceof InvalidRequestError ? error.message : String(error);
      fail(`steps[${event.index}] cannot apply at ${event.at} s: ${detail}`);
    }
  }
}

function problemsOf(error: ValidationError, parent: string): string[] {
  const path =
    parent === ''
      ? error.property
      : /^[0-9]+$/.test(error.property)
        ? `${parent}[${error.property}]`
        : `${parent}.${error.property}`;
  const own = Object.values(error.constraints ?? {}).map((text) =>
    text.startsWith('property ') ? `${path}: not a member of a step` : `${path}: ${text}`,
  );
  return [...own, ...(error.children ?? []).flatMap((child) => problemsOf(child, path))];
}
