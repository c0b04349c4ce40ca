import type { E2eGlobals } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const globals = globalThis as E2eGlobals;
  const broker = globals.e2eRabbitMq;
  if (!broker) return;
  globals.e2eRabbitMq = undefined;
  // Keeps the logs of a run for a look afterwards when asked to.
  if (process.env.E2E_KEEP_RABBITMQ) await broker.stop();
  else await broker.remove();
}
