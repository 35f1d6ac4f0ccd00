import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  haveChromium,
  launchChromium,
  openProfile,
  screenshotPath,
} from './support/browser.js';
import { buildWebApp, startDemoPlatform, type DemoPlatform } from './support/platform.js';
import { cspProblems, openRecord, signIn } from './support/app.js';
import { breakGlassTests } from './break-glass.js';
import { passkeyTests } from './passkeys.js';
import { wardTests } from './ward.js';
import { alertTests } from './alerts.js';

if (!haveChromium)
  console.warn(
    `[e2e] SKIPPED: no Chromium at ${CHROMIUM}. Install it with \`apt-get install -y chromium\` (see DEVELOPERS.md).`,
  );

const PT = 'pt-0001';

describe.skipIf(!haveChromium)(
  'the web app in headless Chromium, against the demo platform',
  () => {
    let demo: DemoPlatform;
    let browser: Browser;

    beforeAll(async () => {
      await buildWebApp();
      demo = await startDemoPlatform();
      // pt-0002 is septic from the start: its criticality is high within a tick or two.
      demo.ward.startEpisode('pt-0002', 'sepsis', 0);
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await demo?.close();
    });

    it('refuses a wrong token with a clear message', async () => {
      const w = await openProfile(browser);
      const res = await w.page.goto(`${demo.url}/web/`);
      // The page runs under the strict policy (and the test fails on any violation of it).
      expect(res?.headers()['content-security-policy']).toMatch(
        /default-src 'none'; script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}'/,
      );
      await w.page.screenshot({ path: screenshotPath('web-app-sign-in.png') });
      // Keyboard only: the skip link comes first, then the token field is reached with Tab.
      const focused = () =>
        w.page.evaluate(() => (globalThis as any).document.activeElement?.textContent as string);
      await w.page.keyboard.press('Tab');
      await expect(focused()).resolves.toBe('Skip to content');
      const token = w.page.getByLabel('Access token');
      let tabs = 0;
      while (!(await token.evaluate((el) => el === (globalThis as any).document.activeElement))) {
        await w.page.keyboard.press('Tab');
        expect(++tabs).toBeLessThan(5);
      }
      // Shaped like an access token (a JWT), signed by no one: the platform refuses it (401).
      await w.page.keyboard.type(`eyJhbGciOiJFUzI1NiJ9.${'x'.repeat(43)}.${'y'.repeat(86)}`);
      await w.page.keyboard.press('Enter');
      await w.page.getByText('That access token was not accepted').waitFor();
      await expect(token.getAttribute('aria-invalid')).resolves.toBe('true');
      expect(cspProblems(w)).toEqual([]);
      await w.context.close();
    });

    it('offers the OpenID sign-in when the platform advertises a provider, loading its client under the CSP', async () => {
      const w = await openProfile(browser);
      // A discovery document stands in for the provider: the app loads its OpenID client chunk.
      await w.page.route('**/oidc/.well-known/openid-configuration', (route) =>
        route.fulfill({
          contentType: 'application/json',
          body: JSON.stringify({
            issuer: `${demo.url}/oidc`,
            authorization_endpoint: `${demo.url}/oidc/auth`,
            token_endpoint: `${demo.url}/oidc/token`,
            jwks_uri: `${demo.url}/oidc/jwks`,
          }),
        }),
      );
      await w.page.goto(`${demo.url}/web/`);
      await w.page.getByRole('button', { name: 'Sign in with your Tutela account' }).waitFor();
      await expect(w.page.getByLabel('Access token').isVisible()).resolves.toBe(true);
      expect(cspProblems(w)).toEqual([]);
      await w.context.close();
    });

    it('the doctor and the family member see the same patient, masked differently, decrypted in the browser', async () => {
      const doctor = await openProfile(browser);
      await signIn(doctor, demo.url, await demo.token('doctor'));
      await expect(doctor.page.getByTestId('signed-in-as').textContent()).resolves.toContain(
        'doctor',
      );
      await doctor.page
        .locator('tr[data-pt="pt-0002"] [data-criticality="high"]')
        .waitFor({ timeout: 30_000 });
      await doctor.page.screenshot({ path: screenshotPath('web-app-patients.png') });
      const d = await openRecord(doctor.page, PT);

      const family = await openProfile(browser);
      await signIn(family, demo.url, await demo.token('family'));
      const f = await openRecord(family.page, PT);

      // The doctor (AL R) reads every vital sign and the NEWS2 score.
      expect(d.rows.length).toBeGreaterThan(3);
      const dVitals = d.rows.filter((r) =>
        /oxygen|pulse|heart|respiratory|temperature|pressure/i.test(r.name),
      );
      expect(dVitals.length).toBeGreaterThan(2);
      // Nothing withheld; a reading the sensor marked invalid (a probe off, a cuff artefact) says
      // so instead of a number, which the simulated ward produces now and then.
      expect(dVitals.filter((r) => r.withheld)).toEqual([]);
      expect(dVitals.filter((r) => !/\d|^\(no valid value/.test(r.value))).toEqual([]);
      expect(dVitals.filter((r) => /\d/.test(r.value)).length).toBeGreaterThan(1);
      expect(d.news2).toMatch(/NEWS2 score\s*\d+/);
      // The family member (AL L) sees what was measured, and the criticality, but no value.
      expect(f.rows.some((r) => r.withheld)).toBe(true);
      expect(f.rows.filter((r) => !r.withheld).every((r) => !/\d{2}/.test(r.value))).toBe(true);
      expect(f.news2).toContain('withheld');
      expect(f.criticality).toBeTruthy();
      expect(d.criticality).toBeTruthy();

      await doctor.page.screenshot({ path: screenshotPath('web-app-doctor.png'), fullPage: true });
      await family.page.screenshot({ path: screenshotPath('web-app-family.png'), fullPage: true });

      // Decrypted here: the platform only ever sent sealed versions and wrapped keys, never FHIR.
      for (const w of [doctor, family]) {
        const sent = w.bodies.join('\n');
        expect(sent).toContain('"typ":"tutela.key"'); // wrapped data keys
        expect(sent).toContain('tutela.version'); // sealed versions (JSON inside the CSE's JSON)
        expect(sent).not.toContain('resourceType'); // no FHIR resource, quoted or escaped
        expect(cspProblems(w)).toEqual([]);
      }

      // The device key is a non-extractable X25519 key kept by the browser.
      const key = await doctor.page.evaluate(
        () =>
          new Promise<{ extractable: boolean; alg: string; device: string }>((resolve, reject) => {
            // Runs in the page (DOM globals), typed loosely here in Node.
            const req = (globalThis as any).indexedDB.open('tutela');
            req.onerror = () => reject(new Error('no database'));
            req.onsuccess = () => {
              const get = req.result.transaction('device-keys').objectStore('device-keys').getAll();
              get.onsuccess = () => {
                const d = get.result[0] as {
                  device: string;
                  keys: { privateKey: { extractable: boolean; algorithm: { name: string } } };
                };
                resolve({
                  extractable: d.keys.privateKey.extractable,
                  alg: d.keys.privateKey.algorithm.name,
                  device: d.device,
                });
              };
            };
          }),
      );
      expect(key).toMatchObject({ extractable: false, alg: 'X25519' });

      // Live: a newer reading arrives over the CSE's WebSocket channel and is shown.
      await doctor.page.locator('[data-live="live"]').waitFor({ timeout: 15_000 });
      const src = await doctor.page.getByTestId('record').getAttribute('data-src');
      await doctor.page.waitForFunction(
        (before) =>
          (globalThis as any).document
            .querySelector('[data-testid="record"]')
            ?.getAttribute('data-src') !== before,
        src,
        { timeout: 20_000 },
      );

      // A deteriorating patient: high criticality, the score behind it, in words and not only colour.
      await doctor.page.getByRole('link', { name: 'All patients' }).click();
      const septic = await openRecord(doctor.page, 'pt-0002');
      expect(septic.criticality).toBe('high');
      expect(Number(/NEWS2 score\s*(\d+)/.exec(septic.news2)?.[1])).toBeGreaterThanOrEqual(7);
      await expect(
        doctor.page.locator('[data-criticality="high"]').first().textContent(),
      ).resolves.toContain('High');
      await doctor.page.screenshot({
        path: screenshotPath('web-app-doctor-alert.png'),
        fullPage: true,
      });

      await doctor.context.close();
      await family.context.close();
    }, 120_000);

    it('the nurse opens the episode and device pages (a claim code is made); a session that ends (401) asks to sign in again', async () => {
      const w = await openProfile(browser);
      await signIn(w, demo.url, await demo.token('nurse'));
      await w.page.goto(`${demo.url}/web/patients/${PT}/episode`);
      await w.page.getByRole('heading', { name: `Care episode of ${PT}` }).waitFor();
      await w.page.getByTestId('participants').waitFor({ timeout: 15_000 });
      await w.page.goto(`${demo.url}/web/patients/${PT}/devices`);
      await w.page.getByRole('heading', { name: `Gateways of ${PT}` }).waitFor();
      // With the devices service on the platform: a one-time claim code is made and shown.
      await w.page
        .getByTestId('devices')
        .or(w.page.getByText('No gateway claimed'))
        .first()
        .waitFor({ timeout: 15_000 });
      await w.page.getByRole('button', { name: 'Create a claim code' }).click();
      await expect(w.page.getByTestId('claim-code').textContent()).resolves.toMatch(/^\S{16}$/);
      await w.page.screenshot({ path: screenshotPath('web-app-devices.png'), fullPage: true });

      // The token stops working (as when it expires): the next call ends the session.
      await w.page.evaluate(() => {
        const storage = (globalThis as any).sessionStorage;
        const [h, p] = String(storage.getItem('tutela.token')).split('.');
        storage.setItem('tutela.token', `${h}.${p}.${'A'.repeat(86)}`); // its signature no longer holds
      });
      await w.page.goto(`${demo.url}/web/`);
      await w.page
        .getByText('Your session has ended. Please sign in again.')
        .first()
        .waitFor({ timeout: 15_000 });
      await expect(w.page.getByLabel('Access token').isVisible()).resolves.toBe(true);
      expect(cspProblems(w)).toEqual([]);
      await w.context.close();
    }, 60_000);
    it('the doctor removes the family member and invites them back; access follows', async () => {
      const doctor = await openProfile(browser);
      doctor.page.on('dialog', (d) => void d.accept());
      await signIn(doctor, demo.url, await demo.token('doctor'));
      await doctor.page.getByRole('link', { name: `Care episode of ${PT}` }).click();
      const familyRow = doctor.page.getByTestId('participants').locator('tr[data-user="family"]');
      await familyRow.waitFor({ timeout: 15_000 });
      await doctor.page.screenshot({ path: screenshotPath('web-app-episode.png'), fullPage: true });

      const family = await openProfile(browser);
      await signIn(family, demo.url, await demo.token('family'));
      await family.page.locator(`tr[data-pt="${PT}"]`).waitFor();

      // Removal: everything is revoked before the answer, so the next look finds nothing.
      await doctor.page.getByRole('button', { name: 'Remove family' }).click();
      await doctor.page.getByText('family was removed').waitFor({ timeout: 20_000 });
      await expect(familyRow.count()).resolves.toBe(0);
      await family.page.reload();
      await family.page.getByTestId('patients').waitFor({ timeout: 20_000 });
      await expect(family.page.locator(`tr[data-pt="${PT}"]`).count()).resolves.toBe(0);

      // Invitation: access from that moment (a new key epoch), shown once a new reading is sealed.
      await doctor.page.getByLabel('User id').fill('family');
      await doctor.page.getByLabel('Role').selectOption('family');
      await doctor.page.getByRole('button', { name: 'Invite' }).click();
      await doctor.page.getByText('family joined the care episode').waitFor({ timeout: 20_000 });
      await family.page.reload();
      await family.page.locator(`tr[data-pt="${PT}"]`).waitFor({ timeout: 20_000 });
      await family.page.getByRole('link', { name: `Open the record of ${PT}` }).click();
      await family.page.getByTestId('record').waitFor({ timeout: 30_000 });
      await expect(family.page.getByTestId('news2').textContent()).resolves.toContain('withheld');
      expect(cspProblems(doctor)).toEqual([]);
      expect(cspProblems(family)).toEqual([]);
      await doctor.context.close();
      await family.context.close();
    }, 120_000);
    it("signs in through the platform's OpenID provider and reads at the same level", async () => {
      // The provider's demo sheet, written at first start (0600).
      const accounts = (
        JSON.parse(readFileSync(join(demo.dataDir, 'demo', 'accounts.json'), 'utf8')) as {
          accounts: Record<string, { password: string }>;
        }
      ).accounts;
      const w = await openProfile(browser);
      await w.page.goto(`${demo.url}/web/`);
      // The family member: password only (clinical roles add a TOTP code).
      await w.page.getByRole('button', { name: 'Sign in with your Tutela account' }).click();
      await w.page.getByLabel('User name').fill('family');
      await w.page.getByLabel('Password').fill(accounts.family!.password);
      await w.page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await w.page.getByTestId('patients').waitFor({ timeout: 30_000 });
      expect(new URL(w.page.url()).pathname).toBe('/web/');
      await expect(w.page.getByTestId('signed-in-as').textContent()).resolves.toContain('family');
      const f = await openRecord(w.page, PT);
      expect(f.news2).toContain('withheld');
      expect(f.rows.some((r) => r.withheld)).toBe(true);
      // The access token is a JWT from the provider, kept in sessionStorage only.
      const stored = await w.page.evaluate(() => {
        const g = globalThis as any;
        return { session: Object.keys(g.sessionStorage), local: Object.keys(g.localStorage) };
      });
      expect(stored.session.some((k: string) => k.startsWith('oidc.user:'))).toBe(true);
      expect(stored.local.filter((k: string) => k.startsWith('oidc'))).toEqual([]);
      expect(cspProblems(w)).toEqual([]);
      await w.context.close();
    }, 90_000);

    wardTests(() => ({ demo, browser }));
    alertTests(() => ({ demo, browser }));
    breakGlassTests(() => ({ demo, browser }));
    passkeyTests(() => ({ browser }));
  },
);
