import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { EtsiHttpError } from '../errors';
import { errorText } from '../error-text';
import { DashboardClient } from '../dashboard-client';
import { httpsUrl, positiveInteger } from './arguments';
import {
  addIdentityOptions,
  clientOptionsOf,
  OPERATOR_ID,
  type IdentityFlags,
} from './connection-options';
import type { Invocation } from './invocation';
import { LiveScreen } from './live-screen';
import { renderWatchFrame, type KmeSnapshot } from './watch-view';

/** The pair `npm start` runs: master KME and slave KME. */
export const DEFAULT_WATCH_URLS = ['https://localhost:8000', 'https://localhost:9000'];

interface WatchFlags extends IdentityFlags {
  kme: string[];
  interval: number;
}

/** `kme watch`: both KMEs' dashboard data, polled and redrawn until Ctrl-C. */
export function addWatchCommand(program: Command, invocation: Invocation): void {
  const { io } = invocation;
  addIdentityOptions(
    program
      .command('watch')
      .summary('Live view of the KMEs, until Ctrl-C')
      .description(
        "A live view of each KME's dashboard data (/dashboard/data), polled every --interval. " +
          'Redrawn in place on a terminal, printed as successive plain frames otherwise. ' +
          'Ctrl-C ends it with exit code 0.',
      )
      .option(
        '--kme <url...>',
        'KMEs to watch',
        // With a parser commander leaves collecting to us; the first URL given replaces the default.
        (value: string, previous: string[]) =>
          previous === DEFAULT_WATCH_URLS ? [httpsUrl(value)] : [...previous, httpsUrl(value)],
        DEFAULT_WATCH_URLS,
      )
      .option('--interval <ms>', 'time between polls', positiveInteger, 1000),
    io,
    OPERATOR_ID,
  ).action(async (flags: WatchFlags) => {
    const clients: DashboardClient[] = [];
    try {
      for (const url of flags.kme)
        clients.push(new DashboardClient(clientOptionsOf(url, flags, io)));
    } catch (error) {
      await Promise.all(clients.map((client) => client.close()));
      invocation.fail(error);
      return;
    }
    const screen = new LiveScreen(io.stdout);
    try {
      await watch(clients, flags.interval, screen, io.signal);
    } finally {
      screen.end();
      await Promise.all(clients.map((client) => client.close()));
    }
  });
}

/** Polls every KME, draws a frame, waits; until `signal` aborts. A KME that fails is shown as such. */
async function watch(
  clients: readonly DashboardClient[],
  intervalMs: number,
  screen: LiveScreen,
  signal: AbortSignal | undefined,
): Promise<void> {
  // A function, not a narrowed property: the signal changes while the polls are awaited.
  const stopped = (): boolean => signal?.aborted === true;
  while (!stopped()) {
    const snapshots = await Promise.all(clients.map(snapshotOf));
    if (stopped()) return;
    screen.draw(renderWatchFrame(snapshots, new Date()));
    await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
  }
}

async function snapshotOf(client: DashboardClient): Promise<KmeSnapshot> {
  try {
    return { url: client.baseUrl, data: await client.data() };
  } catch (error) {
    return {
      url: client.baseUrl,
      error: error instanceof EtsiHttpError ? error.summary : errorText(error),
    };
  }
}
