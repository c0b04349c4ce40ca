import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { isPortFree } from '../scripts/lib/net-util';
import { sendSignal, waitForExit } from '../scripts/lib/processes';
import { e2eAmqpUrl } from './support/broker';
import { REPO_ROOT } from './support/e2e-paths';

/** `npm start` as a newcomer runs it: the pair on :8000 and :9000 with the repository's certs/. */
describe('npm start', () => {
  let launcher: ChildProcess;
  let output = '';

  const statusAs = async (sae: string, port: number, slave: string): Promise<number> => {
    const certs = join(REPO_ROOT, 'certs');
    const agent = new Agent({
      connect: {
        ca: readFileSync(join(certs, 'ca.crt')),
        cert: readFileSync(join(certs, `${sae}.crt`)),
        key: readFileSync(join(certs, `${sae}.key`)),
      },
    });
    try {
      const answer = await request(`https://localhost:${port}/api/v1/keys/${slave}/status`, {
        dispatcher: agent,
      });
      await answer.body.text();
      return answer.statusCode;
    } finally {
      await agent.close();
    }
  };

  beforeAll(async () => {
    for (const port of [8000, 9000]) {
      if (!(await isPortFree(port))) throw new Error(`port ${port} is in use: npm start needs it`);
    }
    launcher = spawn('npm', ['start'], {
      cwd: REPO_ROOT,
      env: { ...process.env, AMQP_URL: e2eAmqpUrl(), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const ready = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ctrl-C stops everything')) resolve();
      };
      launcher.stdout?.on('data', onData);
      launcher.stderr?.on('data', onData);
      launcher.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
    });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`npm start not ready in 60 s:\n${output}`)),
        60_000,
      ).unref(),
    );
    await Promise.race([ready, timeout]);
  });

  afterAll(async () => {
    // Whatever of the launcher's process group is left after the tests (nothing, when they pass).
    sendSignal(launcher, 'SIGKILL', true);
    await waitForExit(launcher, 10_000);
  });

  it('prints the Swagger UI addresses and a curl pair', () => {
    expect(output).toContain('https://localhost:8000/api/docs');
    expect(output).toContain('https://localhost:9000/api/docs');
    expect(output).toMatch(/curl .*sae-1\.crt.*:8000\/api\/v1\/keys\/sae-2\/enc_keys/);
    expect(output).toMatch(/curl .*sae-2\.crt.*:9000\/api\/v1\/keys\/sae-1\/dec_keys\?key_ID=/);
  });

  it('serves status at both KMEs with the development SAE certificates', async () => {
    expect(await statusAs('sae-1', 8000, 'sae-2')).toBe(200);
    expect(await statusAs('sae-2', 9000, 'sae-1')).toBe(200);
  });

  it('stops both KMEs on Ctrl-C and leaves the ports free', async () => {
    // A terminal's Ctrl-C signals the whole foreground process group.
    process.kill(-launcher.pid!, 'SIGINT');
    expect(await waitForExit(launcher, 20_000)).toBe(true);
    expect(await isPortFree(8000)).toBe(true);
    expect(await isPortFree(9000)).toBe(true);
  });
});
