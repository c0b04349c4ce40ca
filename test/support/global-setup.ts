import { amqpEndpoint, redactUrl } from '../../scripts/lib/amqp-url';
import { canConnect } from '../../scripts/lib/net-util';
import { PrivateRabbitMq } from '../../scripts/lib/private-rabbitmq';
import { prepareE2e } from './prepare-e2e';

/** Shared with global-teardown.ts: jest runs both in the same process and realm. */
export interface E2eGlobals {
  e2eRabbitMq?: PrivateRabbitMq;
}

/**
 * Provides the e2e tests with a real RabbitMQ as E2E_AMQP_URL: the one AMQP_URL names, or else a
 * private node started here. Without either it fails the run: the e2e tests never skip.
 */
export default async function globalSetup(): Promise<void> {
  prepareE2e();
  const given = process.env.AMQP_URL;
  if (given) {
    const { host, port } = amqpEndpoint(given);
    if (!(await canConnect(host, port, 5_000))) {
      throw new Error(
        `AMQP_URL=${redactUrl(given)} is set but nothing answers on ${host}:${port} within 5 s. ` +
          'Start that broker, or unset AMQP_URL to let the tests start a private one.',
      );
    }
    process.env.E2E_AMQP_URL = given;
    return;
  }
  if (!PrivateRabbitMq.isInstalled()) {
    throw new Error(`The e2e tests need a real RabbitMQ. ${PrivateRabbitMq.installHint}`);
  }
  // Nodes of runs killed before their teardown would otherwise pile up.
  await PrivateRabbitMq.reapOrphans();
  // Unique per run, so parallel runs in one checkout do not share a node.
  const broker = PrivateRabbitMq.forTest('e2e');
  await broker.start();
  (globalThis as E2eGlobals).e2eRabbitMq = broker;
  process.env.E2E_AMQP_URL = broker.url;
  process.stderr.write(`\ne2e: private RabbitMQ ${broker.url} ready in ${broker.lastStartMs} ms\n`);
}
