import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { DEV_CA_COMMON_NAME, DEV_P12_PASSWORD } from '../scripts/lib/pki';
import {
  launchBrowser,
  requireBrowserTools,
  type BrowserIdentity,
  type BrowserSession,
} from './support/browser';
import { E2E_PKI_DIR, REPO_ROOT } from './support/e2e-paths';
import { KEY_ID, type KeyContainer, type Status } from './support/etsi';
import { KmeTestPair, type Role } from './support/kme-harness';

/** Screenshots of every executed operation, for a reader of a CI run. */
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'swagger-ui');

const STATUS_PATH = '/api/v1/keys/{slave_SAE_ID}/status';
const ENC_KEYS_PATH = '/api/v1/keys/{slave_SAE_ID}/enc_keys';

/** Each KME of the default pair with the SAE attached to it and that SAE's peer. */
const KMES: Record<Role, { kmeId: string; sae: string; peer: string }> = {
  master: { kmeId: 'kme-1', sae: 'sae-1', peer: 'sae-2' },
  slave: { kmeId: 'kme-2', sae: 'sae-2', peer: 'sae-1' },
};
const ROLES = (['master', 'slave'] as const).map((role) => ({ role, ...KMES[role] }));

interface Executed {
  /** The response code Swagger UI shows under "Server response". */
  readonly shownCode: string;
  /** The response body Swagger UI shows, parsed. */
  readonly shownBody: unknown;
  /** What the browser itself sent and got, from its network events. */
  readonly sent: { url: string; method: string; body: string | null; status: number };
}

/** Expands an operation, clicks "Try it out" then "Execute" with the prefilled values. */
async function tryItOut(
  page: Page,
  method: 'get' | 'post',
  path: string,
  screenshot: string,
): Promise<Executed> {
  const operation = page
    .locator(`.opblock-${method}`)
    .filter({ has: page.locator(`[data-path="${path}"]`) });
  await operation.locator('.opblock-summary-control').click();
  await operation.getByRole('button', { name: 'Try it out' }).click();
  const answered = page.waitForResponse(
    (response) =>
      response.request().method() === method.toUpperCase() &&
      new URL(response.url()).pathname.startsWith('/api/v1/keys/'),
  );
  await operation.getByRole('button', { name: 'Execute' }).click();
  const response = await answered;
  const live = operation.locator('.live-responses-table .response');
  const shownCode = (await live.locator('.response-col_status').textContent())?.trim() ?? '';
  const bodyText = live.locator('.response-col_description .highlight-code code').first();
  const shownBody = JSON.parse((await bodyText.textContent()) ?? '') as unknown;
  await screenshotOf(page, operation, live, screenshot);
  return {
    shownCode,
    shownBody,
    sent: {
      url: response.url(),
      method: response.request().method(),
      body: response.request().postData(),
      status: response.status(),
    },
  };
}

/** The operation from its title bar to the server's response, without the static docs below. */
async function screenshotOf(page: Page, from: Locator, to: Locator, name: string): Promise<void> {
  const top = await from.boundingBox();
  const bottom = await to.boundingBox();
  if (top === null || bottom === null) throw new Error(`${name}: operation not visible`);
  // A string, as this project compiles without the DOM typings.
  const scroll = await page.evaluate<{ x: number; y: number }>(
    '({ x: window.scrollX, y: window.scrollY })',
  );
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({
    path: join(ARTIFACTS, `${name}.png`),
    fullPage: true,
    clip: {
      x: top.x + scroll.x,
      y: top.y + scroll.y,
      width: top.width,
      height: bottom.y + bottom.height - top.y + 8,
    },
  });
}

/**
 * Issue 9: Swagger UI's "Try it out" works in a real browser. Debian's Chromium does the TLS
 * client authentication itself, with the SAE's PKCS#12 in its NSS database; nothing proxies TLS.
 */
describe('Swagger UI "Try it out" in Chromium presenting the SAE certificate itself', () => {
  let pair: KmeTestPair | undefined;
  let browser: BrowserSession | undefined;
  const pages: Page[] = [];

  const kmeOf = (role: Role) => {
    if (pair === undefined) throw new Error('the KME pair did not start');
    return role === 'master' ? pair.master : pair.slave;
  };

  const identity = (role: Role): BrowserIdentity => ({
    origin: kmeOf(role).url,
    pkcs12File: join(E2E_PKI_DIR, `${KMES[role].sae}.p12`),
    password: DEV_P12_PASSWORD,
    subjectCn: KMES[role].sae,
    issuerCn: DEV_CA_COMMON_NAME,
  });

  const session = (): BrowserSession => {
    if (browser === undefined) throw new Error('the browser did not start');
    return browser;
  };

  /** The KME's Swagger UI, rendered, once the page has stopped loading. */
  const openDocs = async (role: Role, from: BrowserSession = session()): Promise<Page> => {
    const page = await from.open(`${kmeOf(role).url}/api/docs`);
    // Pages of another session close with it.
    if (from === browser) pages.push(page);
    await page.locator('.opblock').first().waitFor();
    return page;
  };

  beforeAll(async () => {
    // Missing tools fail the run, saying what to install; the e2e tests never skip.
    requireBrowserTools();
    pair = await KmeTestPair.start();
    browser = await launchBrowser({
      trustedCaFiles: [join(E2E_PKI_DIR, 'ca.crt')],
      identities: [identity('master'), identity('slave')],
    });
    await pair.waitForKeys(1);
  });

  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.close()));
  });

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      await pair?.stop();
    }
  });

  it.each(ROLES)(
    '$role KME: the tab title names $kmeId and the page loads without console errors',
    async ({ role, kmeId }) => {
      const page = await openDocs(role);
      expect(await page.title()).toContain(kmeId);
      expect(await page.title()).toContain(`${role} KME`);
      expect(session().problems).toEqual([]);
    },
  );

  it('master KME: the ETSI section comes before the kme-internal section', async () => {
    const page = await openDocs('master');
    const sections: (string | null)[] = [];
    for (const tag of await page.locator('.opblock-tag').all()) {
      sections.push(await tag.getAttribute('data-tag'));
    }
    expect(sections).toContain('kme-internal');
    expect(sections.indexOf('etsi-gs-qkd-014')).toBe(0);
    expect(sections.indexOf('etsi-gs-qkd-014')).toBeLessThan(sections.indexOf('kme-internal'));
  });

  it.each(ROLES)(
    '$role KME: GET status with the prefilled slave SAE ID answers 200 for $sae, slave SAE $peer',
    async ({ role, kmeId, sae, peer }) => {
      const page = await openDocs(role);
      const executed = await tryItOut(page, 'get', STATUS_PATH, `${role}-get-status`);
      expect(executed.sent).toEqual({
        url: `${kmeOf(role).url}/api/v1/keys/${peer}/status`,
        method: 'GET',
        body: null,
        status: 200,
      });
      expect(executed.shownCode).toBe('200');
      // The KME names the caller from the certificate the browser presented.
      expect(executed.shownBody).toMatchObject<Partial<Status>>({
        source_KME_ID: kmeId,
        master_SAE_ID: sae,
        slave_SAE_ID: peer,
      });
      expect(session().problems).toEqual([]);
    },
  );

  it.each(ROLES)(
    '$role KME: POST enc_keys with the prefilled body answers 200 with a key for $sae',
    async ({ role, peer }) => {
      const page = await openDocs(role);
      const executed = await tryItOut(page, 'post', ENC_KEYS_PATH, `${role}-post-enc_keys`);
      expect(executed.sent).toMatchObject({
        url: `${kmeOf(role).url}/api/v1/keys/${peer}/enc_keys`,
        method: 'POST',
        status: 200,
      });
      // The first example, one key of the default size.
      expect(JSON.parse(executed.sent.body ?? '')).toEqual({ number: 1 });
      expect(executed.shownCode).toBe('200');
      const { keys } = executed.shownBody as KeyContainer;
      expect(keys).toHaveLength(1);
      expect(keys[0].key_ID).toMatch(KEY_ID);
      expect(Buffer.from(keys[0].key, 'base64')).toHaveLength(128 / 8);
      expect(session().problems).toEqual([]);
    },
  );

  it('control: the same "Try it out" from a browser without the SAE certificate answers 401', async () => {
    const bare = await launchBrowser({
      trustedCaFiles: [join(E2E_PKI_DIR, 'ca.crt')],
      identities: [],
    });
    try {
      const page = await openDocs('master', bare);
      const executed = await tryItOut(page, 'get', STATUS_PATH, 'control-no-certificate');
      expect(executed.sent.status).toBe(401);
      expect(executed.shownCode).toBe('401');
      expect(executed.shownBody).toEqual({ message: 'a client certificate is required' });
    } finally {
      await bare.close();
    }
  });
});
