import { basename } from 'node:path';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { FaultBook } from '../faults/fault-book.service';
import { describeChange, type LinkSetup } from '../link/link-setup';
import { LinkSimulation } from '../link/link-simulation.service';
import { PoolDrain } from '../pool/pool-drain.service';
import { readScenario, type Scenario, type ScenarioStep } from './scenario-file';

/** A step as GET /api/sim/v1/scenario shows it. */
export interface ScenarioStepStatus {
  readonly at_s: number;
  readonly for_s: number | null;
  readonly action: string;
  /** When it was applied (ISO 8601), null before. */
  readonly applied_at: string | null;
  /** When a timed link change was undone, null before (or for other steps). */
  readonly ended_at: string | null;
  /** Why it could not be applied, null when it was (or is still to come). */
  readonly error: string | null;
}

export interface ScenarioStatus {
  readonly file: string | null;
  /** The start the steps' times count from: the master KME's start. */
  readonly started_at: string | null;
  readonly steps: readonly ScenarioStepStatus[];
}

interface StepState {
  appliedAt?: Date;
  endedAt?: Date;
  error?: string;
}

/**
 * Plays SCENARIO_FILE: each step at its time from the master KME's start, as an operator would
 * through the simulation API, and logged as such ("scenario lab.yaml step 2 set eavesdropper=true").
 * The file is read and checked when the KME starts: a bad one stops it.
 */
@Injectable()
export class ScenarioPlayer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Scenario');
  private readonly scenario: Scenario | undefined;
  private readonly states: StepState[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private startedAt: number | undefined;

  constructor(
    @Inject(KME_SETTINGS) settings: KmeSettings,
    private readonly link: LinkSimulation,
    private readonly book: FaultBook,
    private readonly drain: PoolDrain,
  ) {
    this.scenario =
      settings.scenarioFile === undefined
        ? undefined
        : readScenario(settings.scenarioFile, link.setup);
    this.states = (this.scenario?.steps ?? []).map(() => ({}));
  }

  onApplicationBootstrap(): void {
    if (this.scenario === undefined) return;
    this.startedAt = Date.now();
    this.logger.log(
      `playing ${this.scenario.file}: ${this.scenario.steps.length} steps from ${new Date(this.startedAt).toISOString()}`,
    );
    this.scenario.steps.forEach((step, index) => this.at(step.at, () => this.play(step, index)));
  }

  beforeApplicationShutdown(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  status(): ScenarioStatus {
    return {
      file: this.scenario?.file ?? null,
      started_at: this.startedAt === undefined ? null : new Date(this.startedAt).toISOString(),
      steps: (this.scenario?.steps ?? []).map((step, index) => {
        const state = this.states[index];
        return {
          at_s: step.at,
          for_s: step.action.kind === 'link' ? (step.action.forS ?? null) : null,
          action: describeStep(step),
          applied_at: state.appliedAt?.toISOString() ?? null,
          ended_at: state.endedAt?.toISOString() ?? null,
          error: state.error ?? null,
        };
      }),
    };
  }

  /** Runs `work` at `seconds` from the start, wherever the clock is when this is called. */
  private at(seconds: number, work: () => void): void {
    const due = this.startedAt! + seconds * 1000;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        // Node's timers run on the event loop's cached clock and may fire a millisecond before
        // the wall clock reaches `due`: a step never runs before its time, so wait out the rest.
        if (Date.now() < due) this.at(seconds, work);
        else work();
      },
      Math.max(0, due - Date.now()),
    );
    this.timers.add(timer);
  }

  private play(step: ScenarioStep, index: number): void {
    const who = `scenario ${basename(this.scenario!.file)} step ${index + 1}`;
    const state = this.states[index];
    const { action } = step;
    try {
      if (action.kind === 'link') {
        const before: LinkSetup = this.link.setup;
        this.link.change(action.change, who);
        if (action.forS !== undefined) {
          this.at(step.at + action.forS, () => {
            this.link.revert(before, action.change, who);
            state.endedAt = new Date();
          });
        }
      } else if (action.kind === 'fault') {
        this.book.add(action.fault, who);
      } else {
        this.drain.drain(who).catch((error: unknown) => this.failed(state, who, error));
      }
      state.appliedAt = new Date();
    } catch (error) {
      this.failed(state, who, error);
    }
  }

  private failed(state: StepState, who: string, error: unknown): void {
    state.error = error instanceof Error ? error.message : String(error);
    this.logger.warn(`${who} could not be applied: ${state.error}`);
  }
}

function describeStep(step: ScenarioStep): string {
  const { action } = step;
  if (action.kind === 'link') return `link ${describeChange(action.change)}`;
  if (action.kind === 'drain') return 'drain the pool';
  return action.fault.kind === 'refuse_requests'
    ? `refuse the next ${action.fault.count} key requests${action.fault.kme_id === undefined ? '' : ` at ${action.fault.kme_id}`}`
    : `relay_delay ${action.fault.ms} ms for ${action.fault.duration_s} s`;
}
