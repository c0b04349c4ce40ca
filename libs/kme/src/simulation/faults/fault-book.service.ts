import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { KME_SETTINGS, type KmeSettings } from '@app/config';
import { InvalidRequestError } from '@app/etsi-api';
import type { SimulationReportDto, SlaveRefusalDto } from '@app/internal-client';
import type { FaultSpec } from './fault-spec';

interface RefuseRequestsFault {
  readonly id: string;
  readonly kind: 'refuse_requests';
  readonly count: number;
  readonly kmeId: string;
  readonly createdAt: Date;
  /** Refused so far: counted here at the master KME, reported by the slave KME for its own. */
  refused: number;
  /** Of a fault at the slave KME: the faults version that carries it there. */
  readonly version?: number;
}

interface RelayDelayFault {
  readonly id: string;
  readonly kind: 'relay_delay';
  readonly ms: number;
  readonly durationS: number;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly timer: NodeJS.Timeout;
}

type Fault = RefuseRequestsFault | RelayDelayFault;

/** A fault as GET /api/sim/v1/faults lists it: what it was added with, and where it stands. */
export type ActiveFaultView =
  | {
      readonly id: string;
      readonly kind: 'refuse_requests';
      readonly count: number;
      readonly kme_id: string;
      /** Key requests still to refuse (at the slave KME: as it last reported). */
      readonly remaining: number;
      /** False until the KME it is aimed at has it (the slave KME learns of it by heartbeat). */
      readonly in_force: boolean;
      readonly created_at: string;
    }
  | {
      readonly id: string;
      readonly kind: 'relay_delay';
      readonly ms: number;
      readonly duration_s: number;
      readonly in_force: boolean;
      readonly created_at: string;
      readonly expires_at: string;
    };

export type FaultListener = () => void;

/**
 * The faults in force: refused key requests at either KME and a delayed relay of activations.
 * Faults are kept in memory: a restarted master KME has none. Those aimed at the slave KME go to
 * it with each heartbeat answer, under a version the slave KME reports back once it applied it,
 * and it reports what it refused, so this book knows what remains there.
 */
@Injectable()
export class FaultBook implements OnModuleDestroy {
  private readonly logger = new Logger('Faults');
  private faults: Fault[] = [];
  private serial = 0;
  /** This run of the master KME: versions and fault IDs count from 1 in each run. */
  readonly run = randomUUID().slice(0, 8);
  /** Version of the faults aimed at the slave KME; changes whenever they do. */
  private slaveVersion = 0;
  /** The version the slave KME reported it applied last. */
  private slaveApplied = 0;
  private readonly listeners = new Set<FaultListener>();
  private readonly slaveWaiters = new Set<() => void>();

  constructor(@Inject(KME_SETTINGS) private readonly settings: KmeSettings) {}

  onModuleDestroy(): void {
    for (const fault of this.faults) if (fault.kind === 'relay_delay') clearTimeout(fault.timer);
  }

  /** Adds a fault; InvalidRequestError when it names a KME that is not of this link. */
  add(spec: FaultSpec, who: string): ActiveFaultView {
    const id = `fault-${++this.serial}`;
    const createdAt = new Date();
    let fault: Fault;
    if (spec.kind === 'refuse_requests') {
      const kmeId = spec.kme_id ?? this.settings.kmeId;
      if (kmeId !== this.settings.kmeId && kmeId !== this.settings.linkedKmeId) {
        this.serial -= 1;
        throw InvalidRequestError.field(
          'kme_id',
          `must be ${this.settings.kmeId} (the master KME) or ${this.settings.linkedKmeId} (the slave KME)`,
        );
      }
      const atSlave = kmeId === this.settings.linkedKmeId;
      fault = {
        id,
        kind: 'refuse_requests',
        count: spec.count,
        kmeId,
        createdAt,
        refused: 0,
        ...(atSlave ? { version: ++this.slaveVersion } : {}),
      };
      this.logger.log(
        `fault ${id} added by ${who}: the next ${spec.count} key requests at ${kmeId} answer 503`,
      );
    } else {
      const durationMs = spec.duration_s * 1000;
      const timer = setTimeout(() => this.expire(id), durationMs);
      timer.unref();
      fault = {
        id,
        kind: 'relay_delay',
        ms: spec.ms,
        durationS: spec.duration_s,
        createdAt,
        expiresAt: new Date(createdAt.getTime() + durationMs),
        timer,
      };
      this.logger.log(
        `fault ${id} added by ${who}: activations reach the slave KME ${spec.ms} ms late for ${spec.duration_s} s`,
      );
    }
    this.faults.push(fault);
    this.notify();
    return this.viewOf(fault);
  }

  list(): ActiveFaultView[] {
    return this.faults.map((fault) => this.viewOf(fault));
  }

  /** Removes every fault; the IDs removed. */
  clear(who: string): string[] {
    const removed = this.faults.map((fault) => fault.id);
    for (const fault of this.faults) if (fault.kind === 'relay_delay') clearTimeout(fault.timer);
    if (this.faults.some((fault) => this.atSlave(fault))) this.slaveVersion += 1;
    this.faults = [];
    this.logger.log(
      `faults cleared by ${who}: ${removed.length === 0 ? 'there were none' : removed.join(', ')}`,
    );
    this.notify();
    return removed;
  }

  /**
   * Counts one key request at this (the master) KME against the oldest refuse_requests fault
   * there; the 503 message when it is refused, else undefined.
   */
  refuseHere(): string | undefined {
    const fault = this.faults.find(
      (f): f is RefuseRequestsFault =>
        f.kind === 'refuse_requests' && f.kmeId === this.settings.kmeId,
    );
    if (fault === undefined) return undefined;
    fault.refused += 1;
    const remaining = fault.count - fault.refused;
    if (remaining === 0) this.finish(fault);
    return refusalMessage(fault.id, fault.kmeId, remaining);
  }

  /** How late activations reach the slave KME now: the longest relay_delay in force, or 0. */
  relayDelayMs(): number {
    return this.faults.reduce((ms, f) => (f.kind === 'relay_delay' ? Math.max(ms, f.ms) : ms), 0);
  }

  /** Called after every change of the faults. */
  onChange(listener: FaultListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The version of the faults aimed at the slave KME, and those faults. */
  forSlave(): { run: string; version: number; refusals: SlaveRefusalDto[] } {
    const refusals = this.faults
      .filter((f): f is RefuseRequestsFault => this.atSlave(f))
      .map(({ id, count, refused }) => ({ id, count, refused }));
    return { run: this.run, version: this.slaveVersion, refusals };
  }

  /** What the slave KME says in its hello: the version it applied, what it refused. */
  slaveReported(report: SimulationReportDto | undefined): void {
    if (report === undefined) return;
    for (const { id, refused } of report.faultsRun === this.run ? report.refused : []) {
      const fault = this.faults.find((f) => f.id === id);
      if (fault?.kind !== 'refuse_requests' || !this.atSlave(fault)) continue;
      fault.refused = Math.min(Math.max(fault.refused, refused), fault.count);
      if (fault.refused === fault.count) this.finish(fault);
    }
    // Only a version of this run counts: the slave KME may have applied one of an earlier run.
    this.slaveApplied = report.faultsRun === this.run ? report.faultsVersion : 0;
    if (this.slaveApplied >= this.slaveVersion) {
      for (const wake of this.slaveWaiters) wake();
    }
  }

  /** The current faults version, to wait for with untilSlaveApplied. */
  get versionForSlave(): number {
    return this.slaveVersion;
  }

  /**
   * Resolves true once the slave KME reported applying `version` (or a later one), false after
   * `timeoutMs` (the slave KME is unreachable, say: the fault stays and reaches it later).
   */
  untilSlaveApplied(version: number, timeoutMs: number): Promise<boolean> {
    if (this.slaveApplied >= version) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (result: boolean): void => {
        clearTimeout(timer);
        this.slaveWaiters.delete(wake);
        resolve(result);
      };
      const wake = (): void => {
        if (this.slaveApplied >= version) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.slaveWaiters.add(wake);
    });
  }

  private atSlave(fault: Fault): boolean {
    return fault.kind === 'refuse_requests' && fault.kmeId === this.settings.linkedKmeId;
  }

  private finish(fault: RefuseRequestsFault): void {
    this.faults = this.faults.filter((f) => f !== fault);
    if (this.atSlave(fault)) this.slaveVersion += 1;
    this.logger.log(
      `fault ${fault.id} done: ${fault.count} key requests refused at ${fault.kmeId}`,
    );
    this.notify();
  }

  private expire(id: string): void {
    const fault = this.faults.find((f) => f.id === id);
    if (fault?.kind !== 'relay_delay') return;
    this.faults = this.faults.filter((f) => f !== fault);
    this.logger.log(
      `fault ${id} ended: activations were ${fault.ms} ms late for ${fault.durationS} s`,
    );
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  private viewOf(fault: Fault): ActiveFaultView {
    if (fault.kind === 'relay_delay') {
      return {
        id: fault.id,
        kind: 'relay_delay',
        ms: fault.ms,
        duration_s: fault.durationS,
        in_force: true,
        created_at: fault.createdAt.toISOString(),
        expires_at: fault.expiresAt.toISOString(),
      };
    }
    return {
      id: fault.id,
      kind: 'refuse_requests',
      count: fault.count,
      kme_id: fault.kmeId,
      remaining: fault.count - fault.refused,
      in_force: fault.version === undefined || this.slaveApplied >= fault.version,
      created_at: fault.createdAt.toISOString(),
    };
  }
}

/** The message of a key request refused by a refuse_requests fault (503). */
export function refusalMessage(id: string, kmeId: string, remaining: number): string {
  return `this request is refused on purpose by the simulated fault ${id} (refuse_requests at ${kmeId}, ${remaining} more to refuse)`;
}
