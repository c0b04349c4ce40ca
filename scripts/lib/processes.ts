import type { ChildProcess } from 'node:child_process';

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves true once child has exited, false after timeoutMs. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      child.removeListener('exit', onExit);
      resolve(false);
    }, timeoutMs);
    child.once('exit', onExit);
  });
}

/** How a stopChild went: whether SIGTERM sufficed, and how the child exited. */
export interface StopOutcome {
  /** It had exited before it was asked to stop: no signal was sent, nothing to judge. */
  readonly alreadyExited: boolean;
  /** SIGTERM was not enough: it was still there after the grace period and was sent SIGKILL. */
  readonly escalated: boolean;
  /** Its exit code, or null when a signal ended it (or it outlived even SIGKILL's wait). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** From SIGTERM to its exit (0 when it had already exited). */
  readonly ms: number;
  /** Still running after SIGKILL and another 5 s (a stuck process, e.g. in uninterruptible I/O). */
  readonly stillRunning: boolean;
}

/** A clean stop: SIGTERM sufficed and the child exited with code 0 (or was already gone). */
export const stoppedCleanly = (outcome: StopOutcome): boolean =>
  outcome.alreadyExited || (!outcome.escalated && outcome.code === 0);

/** "exited 0 after 1.2 s", "did not stop within 10 s of SIGTERM: killed", for messages. */
export function describeStop(outcome: StopOutcome, graceMs?: number): string {
  if (outcome.alreadyExited) {
    return `had already exited (code ${outcome.code}, signal ${outcome.signal})`;
  }
  const after = `${(outcome.ms / 1000).toFixed(1)} s`;
  if (outcome.escalated) {
    const within = graceMs === undefined ? 'in time' : `within ${graceMs / 1000} s`;
    return outcome.stillRunning
      ? `did not stop ${within} of SIGTERM, and was still running 5 s after SIGKILL`
      : `did not stop ${within} of SIGTERM: killed (SIGKILL)`;
  }
  return outcome.code !== null
    ? `exited with code ${outcome.code} ${after} after SIGTERM`
    : `ended by ${outcome.signal} ${after} after SIGTERM`;
}

/**
 * SIGTERM, then SIGKILL if the child is still there after graceMs. A detached child leads its own
 * process group, which is signalled whole so nothing it started is left behind. Says whether it
 * had to escalate: a caller that needs a clean stop (a test, the launcher) must report that, not
 * let a hung shutdown pass unseen.
 */
export async function stopChild(
  child: ChildProcess,
  graceMs: number,
  group = false,
): Promise<StopOutcome> {
  const outcome = (escalated: boolean, ms: number, stillRunning = false): StopOutcome => ({
    alreadyExited: false,
    escalated,
    code: child.exitCode,
    signal: child.signalCode,
    ms,
    stillRunning,
  });
  if (hasExited(child)) return { ...outcome(false, 0), alreadyExited: true };
  const began = Date.now();
  sendSignal(child, 'SIGTERM', group);
  if (await waitForExit(child, graceMs)) return outcome(false, Date.now() - began);
  sendSignal(child, 'SIGKILL', group);
  const gone = await waitForExit(child, 5_000);
  return outcome(true, Date.now() - began, !gone);
}

export function sendSignal(child: ChildProcess, signal: NodeJS.Signals, group: boolean): void {
  if (child.pid === undefined) return;
  try {
    if (group) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // Gone already.
  }
}
