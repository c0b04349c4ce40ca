import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { describeStop, stopChild, stoppedCleanly, waitForExit } from './processes';

/** A node child running `script`, resolved once it printed "ready" (its handlers are in place). */
async function child(script: string, detached = false): Promise<ChildProcess> {
  return (await childSaying(script, detached)).child;
}

async function childSaying(
  script: string,
  detached = false,
): Promise<{ child: ChildProcess; said: string }> {
  const started = spawn(process.execPath, ['-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached,
  });
  let seen = '';
  started.stdout.setEncoding('utf8');
  started.stdout.on('data', (chunk: string) => (seen += chunk));
  while (!seen.includes('ready')) {
    const [what] = (await Promise.race([once(started.stdout, 'data'), once(started, 'exit')])) as [
      unknown,
    ];
    if (typeof what !== 'string') throw new Error(`child exited before it was ready: ${seen}`);
  }
  return { child: started, said: seen };
}

const KEEP_ALIVE = 'setInterval(() => undefined, 1000);';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('stopChild', () => {
  it('reports a child that exits 0 on SIGTERM as a clean stop, without SIGKILL', async () => {
    const c = await child(
      `process.on('SIGTERM', () => process.exit(0)); ${KEEP_ALIVE} console.log('ready');`,
    );
    const outcome = await stopChild(c, 5_000);
    expect(outcome).toMatchObject({ alreadyExited: false, escalated: false, code: 0 });
    expect(outcome.ms).toBeLessThan(5_000);
    expect(stoppedCleanly(outcome)).toBe(true);
    expect(describeStop(outcome)).toMatch(/^exited with code 0 \d+\.\d s after SIGTERM$/);
  });

  it('reports SIGKILL when the child ignores SIGTERM past the grace period', async () => {
    const c = await child(
      `process.on('SIGTERM', () => console.log('ignoring')); ${KEEP_ALIVE} console.log('ready');`,
    );
    const outcome = await stopChild(c, 300);
    expect(outcome).toMatchObject({
      escalated: true,
      code: null,
      signal: 'SIGKILL',
      stillRunning: false,
    });
    expect(outcome.ms).toBeGreaterThanOrEqual(300);
    expect(stoppedCleanly(outcome)).toBe(false);
    expect(describeStop(outcome, 300)).toBe(
      'did not stop within 0.3 s of SIGTERM: killed (SIGKILL)',
    );
  });

  it('reports a non-zero exit on SIGTERM as not clean, though no SIGKILL was needed', async () => {
    const c = await child(
      `process.on('SIGTERM', () => process.exit(3)); ${KEEP_ALIVE} console.log('ready');`,
    );
    const outcome = await stopChild(c, 5_000);
    expect(outcome).toMatchObject({ escalated: false, code: 3 });
    expect(stoppedCleanly(outcome)).toBe(false);
  });

  it('reports a child ended by SIGTERM itself (no handler) by its signal', async () => {
    const c = await child(`${KEEP_ALIVE} console.log('ready');`);
    const outcome = await stopChild(c, 5_000);
    expect(outcome).toMatchObject({ escalated: false, code: null, signal: 'SIGTERM' });
    expect(stoppedCleanly(outcome)).toBe(false);
  });

  it('sends nothing to a child that had already exited', async () => {
    const c = await child(`console.log('ready'); setTimeout(() => process.exit(2), 10);`);
    await waitForExit(c, 5_000);
    const outcome = await stopChild(c, 5_000);
    expect(outcome).toMatchObject({ alreadyExited: true, escalated: false, code: 2, ms: 0 });
    expect(stoppedCleanly(outcome)).toBe(true);
  });

  it('signals a detached child’s whole group, grandchildren included', async () => {
    // The grandchild ignores nothing: SIGTERM to the group ends it with its parent.
    const { child: c, said } = await childSaying(
      `const { spawn } = require('node:child_process');
       const g = spawn(process.execPath, ['-e', ${JSON.stringify(KEEP_ALIVE)}], { stdio: 'ignore' });
       process.on('SIGTERM', () => process.exit(0));
       ${KEEP_ALIVE} console.log('ready ' + g.pid);`,
      true,
    );
    const grandchild = Number(/ready (\d+)/.exec(said)?.[1]);
    expect(isAlive(grandchild)).toBe(true);
    const outcome = await stopChild(c, 5_000, true);
    expect(outcome).toMatchObject({ escalated: false, code: 0 });
    const deadline = Date.now() + 5_000;
    while (isAlive(grandchild) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(isAlive(grandchild)).toBe(false);
  });
});
