import type { Browser } from 'playwright-core';
import { expect, it } from 'vitest';
import type { User } from '../src/app-server/directory/directory.js';
import { generatePassword } from '../src/auth-server/accounts/passwords.js';
import { openProfile, screenshotPath } from './support/browser.js';
import { cspProblems, signIn } from './support/app.js';
import type { DemoPlatform } from './support/platform.js';

const PT = 'pt-0001';
const PATIENT = 'patient-0001';
/** A doctor of the hospital who takes no part in the demo patients' care. */
const OUTSIDER = 'dr-outside';

/**
 * Break the glass in the browser (docs/break-glass.md): the patient is told,
 * marks the notice read and ends the access; the holder sees the banner and
 * ends it too; a refusal is said in words. Everyone signs in through the
 * provider. Registered inside the web app suite (one platform, one build).
 */
export function breakGlassTests(get: () => { demo: DemoPlatform; browser: Browser }) {
  const tokens = new Map<string, Promise<string>>();
  /** Someone the demo ward does not have, made once and signed in through the provider. */
  const newcomer = (id: string, role: 'doctor' | 'dpo') => {
    if (!tokens.has(id))
      tokens.set(
        id,
        (async () => {
          const { demo } = get();
          await demo.platform.appServer!.directory.addUser(id, role);
          const password = generatePassword();
          const { totpSecret } = await demo.platform.authServer!.accounts.create({
            id,
            role,
            password,
          });
          return demo.signInAs(id, password, totpSecret);
        })(),
      );
    return tokens.get(id)!;
  };
  /** The out-of-episode doctor, signed in with a second factor (TOTP). */
  const outsider = () => newcomer(OUTSIDER, 'doctor');
  /** The same doctor, for grants opened in-process. */
  const withMfa: User = { id: OUTSIDER, role: 'doctor', al: 'R', mfa: true };
  const hhmm = (at: number) => new Date(at).toISOString().slice(11, 16); // the browser runs in UTC

  it('a doctor outside the episode is told why emergency access is refused: no reason, no such patient', async () => {
    const { demo, browser } = get();
    const token = await outsider();
    const w = await openProfile(browser);
    await signIn(w, demo.url, token);
    await w.page.getByRole('link', { name: 'Open a patient in an emergency' }).click();
    await w.page.getByRole('heading', { name: 'Open a patient in an emergency' }).waitFor();
    await w.page.getByText('It is audited').waitFor();
    // Nothing is sent without a reason: the field says so and is marked invalid.
    await w.page.getByLabel('Patient id').fill(PT);
    await expect(w.page.getByLabel('Duration (minutes)').inputValue()).resolves.toBe('60');
    await w.page.getByRole('button', { name: 'Open emergency access' }).click();
    await w.page.getByText('The reason is mandatory').waitFor();
    await expect(w.page.getByLabel('Reason').getAttribute('aria-invalid')).resolves.toBe('true');
    await w.page.waitForFunction(
      () =>
        (globalThis as unknown as { document: { activeElement: { tagName: string } | null } })
          .document.activeElement?.tagName === 'TEXTAREA',
    );
    await w.page
      .getByLabel('Reason')
      .fill('Collapsed in the waiting room, care team not reachable');
    // A mistyped patient id: the platform has no such patient, and says so.
    await w.page.getByLabel('Patient id').fill('pt-9999');
    await w.page.getByRole('button', { name: 'Open emergency access' }).click();
    await w.page
      .getByRole('alert')
      .getByText('There is no patient pt-9999 on this platform. Check the patient id.')
      .waitFor({ timeout: 15_000 });
    await w.page.screenshot({ path: screenshotPath('web-app-emergency.png'), fullPage: true });
    // Refused: no grant was opened.
    await expect(demo.platform.appServer!.emergency.active(PT, OUTSIDER)).resolves.toBeUndefined();
    expect(cspProblems(w)).toEqual([]);
    await w.context.close();

    // The treating doctor takes part in the patient's care: no emergency access is needed (409).
    const member = await openProfile(browser);
    await signIn(member, demo.url, await demo.token('doctor'));
    await member.page.goto(`${demo.url}/web/emergency`);
    await member.page.getByLabel('Patient id').fill(PT);
    await member.page.getByLabel('Reason').fill('Checking');
    await member.page.getByRole('button', { name: 'Open emergency access' }).click();
    await member.page
      .getByRole('alert')
      .getByText('You already take part in this patient’s care')
      .waitFor({ timeout: 15_000 });
    await member.page.getByRole('link', { name: `Open the record of ${PT}` }).waitFor();
    expect(cspProblems(member)).toEqual([]);
    await member.context.close();
  }, 60_000);

  it('the patient is told who opened access and why, marks the notice read and ends the access; the holder sees the banner and ends theirs', async () => {
    const { demo, browser } = get();
    const app = demo.platform.appServer!;
    const token = await outsider();
    // A data-protection officer, told of every grant from now on.
    const dpoToken = await newcomer('dpo-e2e', 'dpo');
    // An earlier grant, ended by its holder, then an open one.
    const first = await app.emergency.open(
      PT,
      withMfa,
      'Night call: chest pain, record needed',
      20,
    );
    await app.emergency.close(first.id, withMfa);
    const reason = 'Found unconscious in the car park; no one from the care team reachable';
    const open = await app.emergency.open(PT, withMfa, reason, 30);

    // The holder.
    const holder = await openProfile(browser);
    await signIn(holder, demo.url, token);
    const row = holder.page.locator(`tr[data-pt="${PT}"][data-emergency="true"]`);
    await row.getByText(`Emergency access until ${hhmm(open.expiresAt)}`).waitFor();
    await holder.page.screenshot({ path: screenshotPath('web-app-emergency-patients.png') });
    await row.getByRole('link', { name: `Open the record of ${PT}` }).click();
    const banner = holder.page.getByTestId('emergency-banner');
    await banner.getByText(`Emergency access until ${hhmm(open.expiresAt)} — audited`).waitFor();
    await expect(banner.getByRole('button', { name: 'End now' }).isVisible()).resolves.toBe(true);
    await holder.page.screenshot({
      path: screenshotPath('web-app-emergency-record.png'),
      fullPage: true,
    });

    // The patient: two unread notices, the newest first.
    const patient = await openProfile(browser);
    await signIn(patient, demo.url, await demo.token(PATIENT));
    await patient.page.getByRole('link', { name: 'Notices, 2 unread' }).click();
    const cards = patient.page.getByTestId('notices').locator('li[data-notice]');
    await cards.first().waitFor({ timeout: 15_000 });
    await expect(cards.count()).resolves.toBe(2);
    const newest = cards.nth(0);
    const older = cards.nth(1);
    await expect(newest.getByTestId('reason').textContent()).resolves.toContain(reason);
    await expect(newest.textContent()).resolves.toContain(
      `${OUTSIDER} (doctor) opened access to ${PT}`,
    );
    await expect(newest.getByTestId('grant-end').textContent()).resolves.toMatch(/^Open until /);
    await expect(older.getByTestId('grant-end').textContent()).resolves.toMatch(
      new RegExp(`^Ended .* by ${OUTSIDER}, who opened it\\.$`),
    );
    // Only the open grant can be ended.
    await expect(older.getByRole('button', { name: 'End this access now' }).count()).resolves.toBe(
      0,
    );
    await patient.page.screenshot({ path: screenshotPath('web-app-notices.png'), fullPage: true });

    // The DPO is told too, but only the patient (or the holder) may end the access.
    const dpo = await openProfile(browser);
    await signIn(dpo, demo.url, dpoToken);
    await dpo.page.getByRole('link', { name: 'Notices, 2 unread' }).click();
    const dpoNewest = dpo.page.locator('li[data-notice]').first();
    await expect(dpoNewest.getByTestId('grant-end').textContent()).resolves.toMatch(/^Open until /);
    await expect(dpoNewest.getByTestId('reason').textContent()).resolves.toContain(reason);
    await expect(
      dpo.page.getByRole('button', { name: 'End this access now' }).count(),
    ).resolves.toBe(0);

    await older.getByRole('button', { name: `Mark read: emergency access to ${PT}` }).click();
    await patient.page.getByRole('link', { name: 'Notices, 1 unread' }).waitFor();
    await expect(older.getAttribute('data-unread')).resolves.toBe('false');

    await newest.getByRole('button', { name: 'End this access now' }).click();
    await patient.page.getByText(`The emergency access to ${PT} has ended.`).waitFor();
    await expect(newest.getByTestId('grant-end').textContent()).resolves.toMatch(/ by you\.$/);
    await expect(newest.getAttribute('data-grant-open')).resolves.toBe('false');
    // Ended on the platform, not only on the page.
    await expect(app.emergency.active(PT, OUTSIDER)).resolves.toBeUndefined();

    // The holder's list no longer has the patient.
    await holder.page.goto(`${demo.url}/web/`);
    await holder.page.getByText('You are not in any patient’s care episode.').waitFor();

    // A third grant; the holder ends it from the record's banner.
    const third = await app.emergency.open(PT, withMfa, 'Second call: seizure', 15);
    await holder.page.reload();
    await holder.page.getByRole('link', { name: `Open the record of ${PT}` }).click();
    await holder.page
      .getByTestId('emergency-banner')
      .getByRole('button', { name: 'End now' })
      .click();
    await holder.page.getByText('You are not in any patient’s care episode.').waitFor();
    await expect(app.emergency.active(PT, OUTSIDER)).resolves.toBeUndefined();
    await patient.page.reload();
    // The unread one, and the new one about the third grant.
    await patient.page.getByRole('link', { name: 'Notices, 2 unread' }).waitFor();
    const ended = patient.page.locator(`li[data-notice]`).first();
    await expect(ended.getByTestId('grant-end').textContent()).resolves.toMatch(
      new RegExp(`by ${OUTSIDER}, who opened it\\.$`),
    );
    expect(third.id).not.toBe(open.id);
    // The DPO reads who ended each one: the holder, the patient.
    await dpo.page.reload();
    const dpoCards = dpo.page.locator('li[data-notice]');
    await dpoCards.nth(2).waitFor();
    await expect(dpoCards.nth(1).getByTestId('grant-end').textContent()).resolves.toMatch(
      new RegExp(`by the patient \\(${PATIENT}\\)\\.$`),
    );
    expect(cspProblems(dpo)).toEqual([]);
    await dpo.context.close();

    expect(cspProblems(holder)).toEqual([]);
    expect(cspProblems(patient)).toEqual([]);
    await holder.context.close();
    await patient.context.close();
  }, 120_000);

  it('once a grant is opened, the page goes to the record with its banner', async () => {
    const { demo, browser } = get();
    const app = demo.platform.appServer!;
    const token = await outsider();
    const w = await openProfile(browser);
    await signIn(w, demo.url, token);
    await w.page.getByRole('link', { name: 'Open a patient in an emergency' }).click();
    await w.page.getByLabel('Patient id').fill(PT);
    await w.page.getByLabel('Reason').fill('Cardiac arrest on the ward');
    await w.page.getByLabel('Duration (minutes)').fill('45');
    await w.page.getByRole('button', { name: 'Open emergency access' }).click();
    await w.page.getByTestId('emergency-banner').waitFor({ timeout: 20_000 });
    expect(new URL(w.page.url()).pathname).toBe(`/web/patients/${PT}`);
    const grant = await app.emergency.active(PT, OUTSIDER);
    expect(grant && grant.expiresAt - grant.openedAt).toBe(45 * 60_000);
    await w.page
      .getByTestId('emergency-banner')
      .getByText(`Emergency access until ${hhmm(grant!.expiresAt)} — audited`)
      .waitFor();
    await w.page.getByRole('button', { name: 'End now' }).click();
    await w.page.getByText('You are not in any patient’s care episode.').waitFor();
    await expect(app.emergency.active(PT, OUTSIDER)).resolves.toBeUndefined();
    expect(cspProblems(w)).toEqual([]);
    await w.context.close();
  }, 60_000);
}
