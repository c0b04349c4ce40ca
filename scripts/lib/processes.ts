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

/**
 * SIGTERM, then SIGKILL if the child is still there after graceMs. A detached child leads its own
 * process group, which is signalled whole so nothing it started is left behind.
 */
export async function stopChild(
  child: ChildProcess,
  graceMs: number,
  group = false,
): Promise<void> {
  if (hasExited(child)) return;
  sendSignal(child, 'SIGTERM', group);
  if (await waitForExit(child, graceMs)) return;
  sendSignal(child, 'SIGKILL', group);
  await waitForExit(child, 5_000);
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
