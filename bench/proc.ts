import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, totalmem, type } from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryMb: number;
  readonly os: string;
  readonly node: string;
  /** 1-minute load average when the run started and when it ended: a busy machine shows here. */
  readonly loadAverageStart: number;
  loadAverageEnd?: number;
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: cpuModel(),
    cores: availableParallelism(),
    memoryMb: Math.round(totalmem() / 2 ** 20),
    os: `${type()} ${release()}`,
    node: process.version,
    loadAverageStart: loadavg()[0] ?? 0,
  };
}

export function currentLoadAverage(): number {
  return loadavg()[0] ?? 0;
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) return match[1].trim();
  } catch {
    // Not Linux: fall through.
  }
  return 'unknown';
}

export interface Memory {
  /** Resident set size now, in MiB. */
  readonly rssMb: number;
  /** Peak resident set size so far, in MiB. */
  readonly peakRssMb: number;
}

/** VmRSS and VmHWM of a live process, from /proc/<pid>/status. */
export function readMemory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s*(\\d+)\\s*kB`, 'm').exec(status);
    if (!match?.[1]) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(match[1]);
  };
  return { rssMb: kib('VmRSS') / 1024, peakRssMb: kib('VmHWM') / 1024 };
}

let clockTicks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times; 100 on practically every Linux. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU time (user + system) a process has used so far, in ms; undefined when it is gone. */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** The pid in a pid file (RabbitMQ's), if it names a live process. */
export function readPidFile(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 && cpuTimeMs(pid) !== undefined ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time the whole machine spent busy (steal included), in ms; undefined off Linux. */
export function machineBusyMs(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [user, nice, system, , , irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>(
      (sum, value) => sum + (value ?? 0),
      0,
    );
    return (busy * 1000) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/**
 * CPU use of some processes over an interval, as a percentage of one core (200 = two cores
 * busy). The bench's own process counts as `client`; `other` is everything else the machine
 * did meanwhile (other users' work, the kernel, steal): the noise under the figures.
 */
export class CpuMeter {
  private readonly startedAt = performance.now();
  private readonly start: Map<string, number>;
  private readonly ownStart = process.cpuUsage();
  private readonly machineStart = machineBusyMs();

  constructor(private readonly pids: ReadonlyMap<string, number>) {
    this.start = new Map();
    for (const [name, pid] of pids) {
      const used = cpuTimeMs(pid);
      if (used !== undefined) this.start.set(name, used);
    }
  }

  /** Percentages per process name since construction. */
  read(): Record<string, number> {
    const elapsedMs = performance.now() - this.startedAt;
    const own = process.cpuUsage(this.ownStart);
    const ownMs = (own.user + own.system) / 1000;
    const result: Record<string, number> = { client: percent(ownMs, elapsedMs) };
    let oursMs = ownMs;
    for (const [name, pid] of this.pids) {
      const before = this.start.get(name);
      const now = cpuTimeMs(pid);
      if (before !== undefined && now !== undefined) {
        result[name] = percent(now - before, elapsedMs);
        oursMs += now - before;
      }
    }
    const machineNow = machineBusyMs();
    if (this.machineStart !== undefined && machineNow !== undefined) {
      result.other = percent(Math.max(0, machineNow - this.machineStart - oursMs), elapsedMs);
    }
    return result;
  }
}

function percent(usedMs: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.round((usedMs / elapsedMs) * 1000) / 10 : 0;
}

/**
 * The type of the filesystem holding `path` (ext4, tmpfs, …), from the longest mount point of
 * /proc/mounts above it; undefined off Linux.
 */
export function filesystemOf(path: string): string | undefined {
  try {
    let best: { point: string; type: string } | undefined;
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, rawPoint, type] = line.split(' ');
      if (rawPoint === undefined || type === undefined) continue;
      // Mount points escape spaces and the like as octal.
      const point = rawPoint.replace(/\\([0-7]{3})/g, (_, octal: string) =>
        String.fromCharCode(Number.parseInt(octal, 8)),
      );
      const inside = point === '/' || path === point || path.startsWith(`${point}/`);
      if (inside && (best === undefined || point.length >= best.point.length)) {
        best = { point, type };
      }
    }
    return best?.type;
  } catch {
    return undefined;
  }
}
