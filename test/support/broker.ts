/** The AMQP URL of the broker that the e2e global setup started or checked. */
export function e2eAmqpUrl(): string {
  const url = process.env.E2E_AMQP_URL;
  if (!url) {
    throw new Error(
      "E2E_AMQP_URL is not set: e2e tests must run through jest's e2e project " +
        '(npx jest --selectProjects e2e), whose global setup (test/support/global-setup.ts) ' +
        'provides the broker.',
    );
  }
  return url;
}
