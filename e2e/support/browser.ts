import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** The system's Chromium (Debian package `chromium`); no browser is ever downloaded. */
export const CHROMIUM = process.env.TUTELA_CHROMIUM ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

/**
 * Where screenshots go: `e2e-results/` (not tracked) unless
 * TUTELA_SCREENSHOTS names another folder (`TUTELA_SCREENSHOTS=docs npx
 * vitest run e2e` refreshes the pictures in the docs). A test run never
 * changes tracked files.
 */
export function screenshotPath(name: string): string {
  const dir = process.env.TUTELA_SCREENSHOTS ?? 'e2e-results';
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/**
 * Headless Chromium, quiet and offline apart from the platform under test.
 * Playwright gives every launch a fresh temporary user-data-dir, and every
 * context a fresh profile (its own IndexedDB, so its own device key).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and CSP violations seen so far. */
  problems: string[];
  /** Every API, key-service and CSE response body, and WebSocket frame, as text (to look for plaintext health data). */
  bodies: string[];
}

/** A new browser profile, trusting the platform's local CA the way a user who accepted it would. */
export async function openProfile(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1200, height: 900 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const bodies: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    // The app's own files hold code, not data: only what the API, the key service and the CSE sent.
    if (new URL(r.url()).pathname.startsWith('/web/')) return;
    r.text().then(
      (t) => bodies.push(t),
      () => undefined,
    );
  });
  page.on('websocket', (ws) =>
    ws.on('framereceived', (f) => bodies.push(typeof f.payload === 'string' ? f.payload : '')),
  );
  return { context, page, problems, bodies };
}
