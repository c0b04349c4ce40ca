import { CapturedOutput } from '../../test/captured-output';
import { closedPort, FakeKme } from '../../test/fake-kme';
import { makeTestPki, type TestPki } from '../../test/test-pki';
import { runCli } from './run-cli';

let pki: TestPki;
let master: FakeKme;
let slave: FakeKme;

beforeAll(async () => {
  pki = makeTestPki();
  [master, slave] = await Promise.all([FakeKme.start(pki, 'kme-1'), FakeKme.start(pki, 'kme-2')]);
  master.respond(() => ({ body: { role: 'master', pool: { stored_bits: 4096 } } }));
  slave.respond(() => ({ body: { role: 'slave', pool: { stored_bits: 2048 } } }));
});

afterAll(async () => {
  await Promise.all([master.close(), slave.close()]);
  pki.remove();
});

const count = (text: string, part: string): number => text.split(part).length - 1;

async function watchUntil(
  args: readonly string[],
  stdout: CapturedOutput,
  enough: (text: string) => boolean,
): Promise<{ code: number; stderr: string }> {
  const interrupt = new AbortController();
  const stderr = new CapturedOutput();
  const run = runCli(['watch', '--interval', '5', ...args], {
    stdout,
    stderr,
    env: {},
    cwd: pki.root,
    signal: interrupt.signal,
  });
  await stdout.waitFor(enough);
  interrupt.abort(new Error('interrupted'));
  return { code: await run, stderr: stderr.text };
}

it('polls every KME with the operator certificate and prints plain frames; Ctrl-C exits 0', async () => {
  const stdout = new CapturedOutput(false);

  const { code, stderr } = await watchUntil(
    ['--kme', master.url, '--kme', slave.url],
    stdout,
    (text) => count(text, 'kme watch ') >= 2,
  );

  expect(code).toBe(0);
  expect(stderr).toBe('');
  expect(master.last).toMatchObject({
    method: 'GET',
    target: '/dashboard/data',
    peerCn: 'operator',
  });
  expect(slave.last.target).toBe('/dashboard/data');
  const frame = stdout.text.split('\n\n\n')[0];
  expect(frame).toContain(`${master.url}\n  role              master\n  pool.stored_bits  4096`);
  expect(frame).toContain(`${slave.url}\n  role              slave\n  pool.stored_bits  2048`);
  expect(stdout.text).not.toContain('\u001b[');
});

it('redraws in place on a terminal and gives the cursor back at the end', async () => {
  const stdout = new CapturedOutput(true, 100);

  const { code } = await watchUntil(['--kme', master.url], stdout, (text) =>
    text.includes('\u001b[5A'),
  );

  expect(code).toBe(0);
  // A frame of five lines: heading, blank, URL, two values; the next one starts five lines up.
  expect(stdout.text.startsWith('\u001b[?25lkme watch ')).toBe(true);
  expect(stdout.text).toContain('\r\u001b[5Akme watch ');
  expect(stdout.text.endsWith('\u001b[?25h')).toBe(true);
});

it('shows a KME that does not answer, and keeps watching the others', async () => {
  const down = `https://127.0.0.1:${await closedPort()}`;
  const stdout = new CapturedOutput(false);

  const { code } = await watchUntil(['--kme', down, '--kme', master.url], stdout, (text) =>
    text.includes('role'),
  );

  expect(code).toBe(0);
  expect(stdout.text).toMatch(
    new RegExp(`${down.replace(/\./g, '\\.')}\\n  unavailable: request to .*ECONNREFUSED`),
  );
  expect(stdout.text).toMatch(/\n {2}role +master\n/);
});
