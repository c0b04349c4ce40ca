import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium: the tests never download a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const INSTALL_HINT =
  'The browser tests drive Debian\'s Chromium with certificates in an NSS database: install them with "apt-get install -y chromium libnss3-tools" (.ci/run does).';

/**
 * Flags for a browser run as root in a container, with nothing of its own on the network: no
 * sandbox (root), no GPU, no background fetches, component updates, QUIC, first-run UI or sync.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-quic',
  '--no-first-run',
  '--disable-sync',
];

/** A client certificate Chromium presents, without asking, to one origin. */
export interface BrowserIdentity {
  /** Scheme, host and port, e.g. `https://localhost:8000`. */
  readonly origin: string;
  /** PKCS#12 file with the certificate and its key, imported into the browser's NSS database. */
  readonly pkcs12File: string;
  readonly password: string;
  /** Subject and issuer CN of that certificate: they pick it among those imported. */
  readonly subjectCn: string;
  readonly issuerCn: string;
}

export interface BrowserOptions {
  /** CA certificates (PEM) trusted for server authentication, as a user's imported CA. */
  readonly trustedCaFiles: readonly string[];
  readonly identities: readonly BrowserIdentity[];
  readonly viewport?: { readonly width: number; readonly height: number };
}

/** Where a browser reported a problem: console errors, uncaught exceptions, failed requests. */
export interface BrowserProblem {
  readonly kind: 'console' | 'pageerror' | 'requestfailed';
  readonly url: string;
  readonly text: string;
}

export interface OpenOptions {
  readonly timeoutMs?: number;
  /** Default `networkidle`. */
  readonly until?: 'load' | 'networkidle';
}

/** One Chromium with its own profile and NSS database; `close()` removes both. */
export interface BrowserSession {
  readonly context: BrowserContext;
  /** Everything the pages of this session reported, in order. */
  readonly problems: BrowserProblem[];
  newPage(): Promise<Page>;
  /**
   * A new page at `url`, once its network is idle (or, `until: 'load'`, once it has loaded: a page
   * that polls is never idle). A page that does not load says why it may not: Chromium waits on
   * its certificate chooser when the auto-selection did not take.
   */
  open(url: string, options?: OpenOptions): Promise<Page>;
  close(): Promise<void>;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Throws, naming what to install, unless Chromium, certutil and pk12util are there. */
export function requireBrowserTools(): void {
  const missing: string[] = [];
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    missing.push(CHROMIUM_PATH);
  }
  for (const tool of ['certutil', 'pk12util']) if (!onPath(tool)) missing.push(tool);
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}. ${INSTALL_HINT}`);
}

function run(command: string, args: readonly string[]): void {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr || String(error)}`);
  }
}

/**
 * Chromium on Linux keeps certificates in the NSS database at `$HOME/.pki/nssdb`, not in the
 * profile: this makes one under `home` with the CAs trusted for TLS servers and the identities.
 */
function makeNssDatabase(home: string, options: BrowserOptions): void {
  const db = join(home, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  const sqlDb = `sql:${db}`;
  run('certutil', ['-d', sqlDb, '-N', '--empty-password']);
  options.trustedCaFiles.forEach((file, index) =>
    run('certutil', ['-d', sqlDb, '-A', '-n', `test-ca-${index}`, '-t', 'C,,', '-i', file]),
  );
  const imported = new Set<string>();
  for (const identity of options.identities) {
    if (imported.has(identity.pkcs12File)) continue;
    run('pk12util', ['-d', sqlDb, '-i', identity.pkcs12File, '-W', identity.password]);
    imported.add(identity.pkcs12File);
  }
}

/**
 * Certificate auto-selection, per profile: the content setting the AutoSelectCertificateForUrls
 * policy also feeds, written into the new profile's Preferences. Without it Chromium would wait
 * on its certificate chooser, which a headless browser never shows. Preferred to a policy file in
 * /etc/chromium/policies/managed, which works too but needs root and reaches every Chromium on the
 * machine while it exists.
 */
function writeAutoSelectPreferences(profile: string, identities: readonly BrowserIdentity[]): void {
  const exceptions: Record<string, { setting: { filters: object[] } }> = {};
  for (const identity of identities) {
    const key = `${identity.origin},*`;
    const filters = exceptions[key]?.setting.filters ?? [];
    filters.push({ SUBJECT: { CN: identity.subjectCn }, ISSUER: { CN: identity.issuerCn } });
    exceptions[key] = { setting: { filters } };
  }
  mkdirSync(join(profile, 'Default'), { recursive: true });
  writeFileSync(
    join(profile, 'Default', 'Preferences'),
    JSON.stringify({
      profile: { content_settings: { exceptions: { auto_select_certificate: exceptions } } },
    }),
  );
}

/**
 * Debian's Chromium, headless, with a fresh profile and NSS database in temporary directories:
 * it trusts `trustedCaFiles` and does the TLS client authentication itself, presenting each
 * identity's certificate to its origin without asking. Nothing outside the temporary directories
 * is touched, so runs in parallel do not meet.
 */
export async function launchBrowser(options: BrowserOptions): Promise<BrowserSession> {
  requireBrowserTools();
  const home = mkdtempSync(join(tmpdir(), 'qkd-browser-home-'));
  const profile = join(home, 'profile');
  const removeDirs = () => rmSync(home, { recursive: true, force: true });
  let context: BrowserContext;
  try {
    makeNssDatabase(home, options);
    writeAutoSelectPreferences(profile, options.identities);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS],
      env: { ...process.env, HOME: home },
      viewport: options.viewport ?? { width: 1280, height: 900 },
    });
  } catch (error) {
    removeDirs();
    throw error;
  }
  const problems: BrowserProblem[] = [];
  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') {
        problems.push({ kind: 'console', url: page.url(), text: message.text() });
      }
    });
    page.on('pageerror', (error) =>
      problems.push({ kind: 'pageerror', url: page.url(), text: error.message }),
    );
    page.on('requestfailed', (request) =>
      problems.push({
        kind: 'requestfailed',
        url: request.url(),
        text: request.failure()?.errorText ?? 'failed',
      }),
    );
  };
  context.on('page', watch);
  context.pages().forEach(watch);
  return {
    context,
    problems,
    newPage: () => context.newPage(),
    open: async (url, { timeoutMs = 15_000, until = 'networkidle' } = {}) => {
      const page = await context.newPage();
      try {
        await page.goto(url, { waitUntil: until, timeout: timeoutMs });
      } catch (error) {
        await page.close();
        const reason = (error as Error).message.split('\n')[0].replace(/\.+$/, '');
        throw new Error(
          `Chromium did not load ${url}: ${reason}. A page that ` +
            'times out may be waiting on the client-certificate chooser: the auto-selection in ' +
            "the profile's Preferences (profile.content_settings.exceptions.auto_select_certificate) " +
            'did not match, or this Chromium no longer reads it.',
        );
      }
      return page;
    },
    close: async () => {
      try {
        await context.close();
      } finally {
        removeDirs();
      }
    },
  };
}
