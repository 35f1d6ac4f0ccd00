import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProfile, screenshotPath } from './support/browser.js';
import { cspProblems, signIn } from './support/app.js';
import { startDemoPlatform, type DemoPlatform } from './support/platform.js';

/**
 * Passkeys in the browser (docs/auth-server.md, "Passkeys"): the nurse adds
 * one on "Your sign-in", signs out, and signs in again with it alone on the
 * provider's page. Chromium's virtual authenticator (DevTools WebAuthn
 * domain) stands in for the device's platform authenticator. A passkey needs
 * a host name, so this runs against a second demo platform at localhost.
 * Registered inside the web app suite (one build, one browser).
 */
export function passkeyTests(get: () => { browser: Browser }) {
  describe('passkeys, on a platform served at localhost', () => {
    let demo: DemoPlatform;
    beforeAll(async () => {
      demo = await startDemoPlatform({ host: 'localhost' });
    }, 120_000);
    afterAll(async () => {
      await demo?.close();
    });

    it('the nurse adds a passkey, signs out, signs in with the passkey alone, and removes it', async () => {
      expect(demo.url).toMatch(/^https:\/\/localhost:\d+$/);
      const w = await openProfile(get().browser);
      const cdp = await w.context.newCDPSession(w.page);
      await cdp.send('WebAuthn.enable');
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      });

      // Signed in with password and TOTP (the provider's token), as adding a passkey requires.
      await signIn(w, demo.url, await demo.token('nurse'));
      await w.page.getByRole('link', { name: 'Your sign-in' }).click();
      await w.page.getByRole('heading', { name: 'Passkeys' }).waitFor();
      await w.page.getByRole('button', { name: 'Add a passkey' }).click();
      await w.page.getByTestId('passkey-added').waitFor({ timeout: 15_000 });
      // The list reloads after the message shows: wait for its item, then count.
      await w.page.getByTestId('passkeys').locator('li').first().waitFor();
      await expect(w.page.getByTestId('passkeys').locator('li').count()).resolves.toBe(1);
      await w.page
        .getByRole('button', { name: 'Add a passkey' })
        .and(w.page.locator(':not([data-loading])'))
        .waitFor();
      await w.page.screenshot({ path: screenshotPath('web-app-passkey.png'), fullPage: true });
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      expect(credentials).toHaveLength(1);
      expect(credentials[0]!.isResidentCredential).toBe(true);

      // Signed out, then in again through the provider with the passkey: no password, no code.
      await w.page.getByRole('button', { name: 'Sign out' }).click();
      await w.page.getByRole('button', { name: 'Sign in with your Tutela account' }).click();
      await w.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await w.page.getByTestId('patients').waitFor({ timeout: 30_000 });
      await expect(w.page.getByTestId('signed-in-as').textContent()).resolves.toContain('nurse');

      // Removed from "Your sign-in": the platform forgets it, whatever the device still holds.
      await w.page.getByRole('link', { name: 'Your sign-in' }).click();
      await w.page.getByRole('button', { name: /^Remove the passkey added / }).click();
      await w.page.getByText('You have no passkey yet.').waitFor({ timeout: 15_000 });
      expect(cspProblems(w)).toEqual([]);
      await w.context.close();
    }, 90_000);
  });
}
