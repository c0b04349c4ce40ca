import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page, Request } from 'playwright-core';
import {
  EtsiBadRequestError,
  EtsiClient,
  SimulationClient,
  type LinkState,
} from '@app/etsi-client';
import { DEV_CA_COMMON_NAME, DEV_P12_PASSWORD } from '../scripts/lib/pki';
import {
  launchBrowser,
  requireBrowserTools,
  type BrowserIdentity,
  type BrowserSession,
} from './support/browser';
import { E2E_PKI_DIR, REPO_ROOT } from './support/e2e-paths';
import { KmeTestPair, type Role } from './support/kme-harness';

/** Screenshots for a reader of a CI run. */
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'dashboard');
/**
 * The README's picture, rewritten only when asked (`UPDATE_README_SCREENSHOT=1`), so that a test
 * run leaves the committed files alone.
 */
const README_SCREENSHOT = join(REPO_ROOT, 'docs', 'dashboard.png');
const UPDATE_README_SCREENSHOT = process.env.UPDATE_README_SCREENSHOT === '1';

/**
 * A small pool that fills in a few seconds: a level that changes shows on the page within its
 * next poll, and a full pool stays put until keys are taken.
 */
const POOL_ENV = { MAX_KEY_COUNT: '200', KEY_RATE_BPS: '4000' };
const CAPACITY = '25,600';
const FULL = `${CAPACITY} of ${CAPACITY} bits (100%)`;

/** Longest the page may take to show a change: two polls a second, plus a slow CI machine. */
const SHOWN_WITHIN_MS = 10_000;

/** The promise: the page updates itself at least once a second. */
const UPDATE_EVERY_MS = 1_000;

/**
 * Issue 14: the dashboard in Debian's Chromium. The operator's certificate is in the browser's
 * own NSS database and chosen by the auto-selection the AutoSelectCertificateForUrls policy feeds,
 * so that Chromium itself presents it to the KME; nothing proxies TLS.
 */
describe('the dashboard in Chromium', () => {
  let pair: KmeTestPair | undefined;
  let anonymous: BrowserSession | undefined;
  let operator: BrowserSession | undefined;
  const pages: Page[] = [];

  const kmeOf = (role: Role) => {
    if (pair === undefined) throw new Error('the KME pair did not start');
    return role === 'master' ? pair.master : pair.slave;
  };

  const operatorAt = (role: Role): BrowserIdentity => ({
    origin: kmeOf(role).url,
    pkcs12File: join(E2E_PKI_DIR, 'operator.p12'),
    password: DEV_P12_PASSWORD,
    subjectCn: 'operator',
    issuerCn: DEV_CA_COMMON_NAME,
  });

  const session = (which: BrowserSession | undefined): BrowserSession => {
    if (which === undefined) throw new Error('the browser did not start');
    return which;
  };

  /** The KME's dashboard, once its first data is drawn. */
  const openDashboard = async (role: Role, from: BrowserSession): Promise<Page> => {
    // Not "network idle": the page polls for ever.
    const page = await from.open(`${kmeOf(role).url}/dashboard`, { until: 'load' });
    pages.push(page);
    await page
      .getByTestId('connection')
      .filter({ hasText: /^live, updated / })
      .waitFor();
    return page;
  };

  const poolLevel = (page: Page, kmeId: string): Locator =>
    page.getByTestId(`pool-${kmeId}`).getByTestId('pool-level');

  const linkStatus = (page: Page): Locator => page.getByTestId('link-status');

  /** Until the page has drawn data of a later second than it shows now. */
  const nextPoll = async (page: Page): Promise<void> => {
    const connection = page.getByTestId('connection');
    const now = await connection.innerText();
    await connection
      .filter({ hasText: /^live, / })
      .filter({ hasNotText: now })
      .waitFor();
  };

  /**
   * When the page's next `count` answers of `dashboard/data` ended, by the browser's own clock
   * (each is drawn as it arrives).
   */
  const dataArrivals = (page: Page, count: number): Promise<number[]> =>
    new Promise((resolve, reject) => {
      const arrivals: number[] = [];
      const onFinished = (request: Request) => {
        if (new URL(request.url()).pathname !== '/dashboard/data') return;
        const timing = request.timing();
        arrivals.push(timing.startTime + timing.responseEnd);
        if (arrivals.length < count) return;
        done();
        resolve(arrivals);
      };
      const timer = setTimeout(
        () => {
          done();
          reject(new Error(`only ${arrivals.length} of ${count} answers of dashboard/data came`));
        },
        count * UPDATE_EVERY_MS + SHOWN_WITHIN_MS,
      );
      const done = () => {
        clearTimeout(timer);
        page.off('requestfinished', onFinished);
      };
      page.on('requestfinished', onFinished);
    });

  const screenshot = async (page: Page, name: string): Promise<void> => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  };

  const pem = (name: string) => ({
    cert: join(E2E_PKI_DIR, `${name}.crt`),
    key: join(E2E_PKI_DIR, `${name}.key`),
    ca: join(E2E_PKI_DIR, 'ca.crt'),
  });

  beforeAll(async () => {
    // Missing tools fail the run, saying what to install; the e2e tests never skip.
    requireBrowserTools();
    pair = await KmeTestPair.start({ env: POOL_ENV });
    const trustedCaFiles = [join(E2E_PKI_DIR, 'ca.crt')];
    anonymous = await launchBrowser({ trustedCaFiles, identities: [] });
    operator = await launchBrowser({
      trustedCaFiles,
      identities: [operatorAt('master'), operatorAt('slave')],
    });
    await pair.waitForKeys(1);
  });

  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.close()));
  });

  afterAll(async () => {
    try {
      await Promise.all([anonymous?.close(), operator?.close()]);
    } finally {
      await pair?.stop();
    }
  });

  it.each(['master', 'slave'] as const)(
    '%s KME: loads without a certificate and without console errors, showing both pools',
    async (role) => {
      const page = await openDashboard(role, session(anonymous));
      const own = role === 'master' ? 'kme-1' : 'kme-2';
      expect(await page.title()).toBe(`${own} (${role} KME): QKD link dashboard`);
      for (const kmeId of ['kme-1', 'kme-2']) {
        await poolLevel(page, kmeId)
          .filter({ hasText: ` of ${CAPACITY} bits` })
          .waitFor();
      }
      // It updates itself at least once a second, and reports nothing while it does.
      const arrivals = await dataArrivals(page, 6);
      const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]);
      expect(Math.max(...gaps)).toBeLessThan(UPDATE_EVERY_MS);
      await nextPoll(page);
      await screenshot(page, `${role}-anonymous`);
      expect(session(anonymous).problems).toEqual([]);
    },
  );

  it('a pool level on the page changes after keys are taken with the client library, and a 400 shows under its status', async () => {
    const page = await openDashboard('master', session(anonymous));
    await poolLevel(page, 'kme-1').filter({ hasText: FULL }).waitFor({ timeout: 30_000 });
    await poolLevel(page, 'kme-2').filter({ hasText: FULL }).waitFor({ timeout: 30_000 });

    const sae1 = new EtsiClient({ baseUrl: kmeOf('master').url, tls: pem('sae-1') });
    let keys: readonly { key_ID: string; key: string }[];
    try {
      // Half the pool, in one request: the refill at 4000 bit/s takes seconds.
      ({ keys } = await sae1.encKeys('sae-2', { number: 100 }));
      expect(keys).toHaveLength(100);
      // And one refused: a key size that is no multiple of 8.
      await expect(sae1.encKeys('sae-2', { number: 1, size: 7 })).rejects.toBeInstanceOf(
        EtsiBadRequestError,
      );
    } finally {
      await sae1.close();
    }

    await poolLevel(page, 'kme-1')
      .filter({ hasNotText: FULL })
      .waitFor({ timeout: SHOWN_WITHIN_MS });
    // The slave KME cut the same keys from its copy once the activation reached it.
    await poolLevel(page, 'kme-2')
      .filter({ hasNotText: FULL })
      .waitFor({ timeout: SHOWN_WITHIN_MS });
    // The row of status 400, the column of this KME (kme-1, first).
    await page
      .getByTestId('errors')
      .locator('tr[data-status="400"] td')
      .nth(1)
      .filter({ hasText: /^1$/ })
      .waitFor({ timeout: SHOWN_WITHIN_MS });
    await screenshot(page, 'master-after-keys-taken');

    // What the page shows and what it was sent name none of those keys, nor their bytes.
    const data = await page.waitForResponse(
      (response) => new URL(response.url()).pathname === '/dashboard/data',
    );
    const seen = [await page.content(), await data.text()].join('\n');
    expect(keys.filter(({ key_ID, key }) => seen.includes(key_ID) || seen.includes(key))).toEqual(
      [],
    );
    expect(session(anonymous).problems).toEqual([]);
  });

  it.each(['master', 'slave'] as const)(
    '%s KME: the Swagger UI description links to the dashboard',
    async (role) => {
      const browser = session(anonymous);
      const docs = await browser.open(`${kmeOf(role).url}/api/docs`);
      pages.push(docs);
      const link = docs.locator('.info .description').getByRole('link', { name: 'dashboard' });
      // Swagger UI opens the description's links in a new tab.
      const [dashboard] = await Promise.all([browser.context.waitForEvent('page'), link.click()]);
      pages.push(dashboard);
      await dashboard.waitForURL(`${kmeOf(role).url}/dashboard`);
      await dashboard
        .getByTestId('connection')
        .filter({ hasText: /^live, updated / })
        .waitFor();
      expect(session(anonymous).problems).toEqual([]);
    },
  );

  it('without the operator certificate no fault control is shown', async () => {
    const page = await openDashboard('master', session(anonymous));
    await poolLevel(page, 'kme-1')
      .filter({ hasText: ` of ${CAPACITY} bits` })
      .waitFor();
    expect(await page.locator('#controls').isHidden()).toBe(true);
    expect(await page.getByRole('button').count()).toBe(0);
  });

  it('with the operator certificate, switching the eavesdropper on from the page aborts the link, on the page and in GET /api/sim/v1/link', async () => {
    const page = await openDashboard('master', session(operator));
    const switchOn = page.getByRole('button', { name: 'Switch the eavesdropper on' });
    await switchOn.waitFor();
    // The link as the simulation reports it, whatever it does while the pool is full.
    await linkStatus(page).filter({ hasNotText: 'unknown' }).waitFor({ timeout: SHOWN_WITHIN_MS });

    const patched = page.waitForResponse(
      (response) =>
        response.request().method() === 'PATCH' &&
        new URL(response.url()).pathname === '/api/sim/v1/link',
    );
    await switchOn.click();
    // Sent by Chromium, with the certificate it presented; the KME admitted the operator.
    expect((await patched).status()).toBe(200);
    await linkStatus(page)
      .filter({ hasText: /^aborted$/ })
      .waitFor({ timeout: SHOWN_WITHIN_MS });
    await page
      .getByTestId('events')
      .filter({ hasText: 'eavesdropper on the quantum channel' })
      .waitFor({ timeout: SHOWN_WITHIN_MS });
    await screenshot(page, 'master-operator-eavesdropper');

    const simulation = new SimulationClient({ baseUrl: kmeOf('master').url, tls: pem('operator') });
    let link: LinkState;
    try {
      link = await simulation.link();
    } finally {
      await simulation.close();
    }
    expect(link).toMatchObject<Partial<LinkState>>({ eavesdropper: true, generating: false });
    expect(link.qber).toBeGreaterThan(0.11);

    // And back: the page offers the opposite, and the link generates again.
    await page.getByRole('button', { name: 'Remove the eavesdropper' }).click();
    await linkStatus(page).filter({ hasNotText: 'aborted' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    await page
      .getByTestId('events')
      .filter({ hasText: 'eavesdropper gone' })
      .waitFor({ timeout: SHOWN_WITHIN_MS });
    await page.getByRole('button', { name: 'Switch the eavesdropper on' }).waitFor();
    await screenshot(page, 'master-operator-eavesdropper-gone');
    if (UPDATE_README_SCREENSHOT)
      await page.screenshot({ path: README_SCREENSHOT, fullPage: true });
    expect(session(operator).problems).toEqual([]);
  });

  it('with the operator certificate, the slave KME shows no control and points to the master KME', async () => {
    const page = await openDashboard('slave', session(operator));
    await page
      .locator('#controls')
      .filter({ hasText: 'Fault controls are on the dashboard of the KME that runs the link' })
      .waitFor();
    expect(await page.getByRole('button').count()).toBe(0);
    expect(session(operator).problems).toEqual([]);
  });
});
