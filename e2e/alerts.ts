import type { Browser, Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openProfile, screenshotPath, type WatchedPage } from './support/browser.js';
import { cspProblems, signIn } from './support/app.js';
import type { DemoPlatform } from './support/platform.js';

const SEPTIC = 'pt-0002';

/** The open high alert of the septic patient, as a page shows it. */
const openHigh = (page: Page): Locator =>
  page.locator(
    `article[data-pt="${SEPTIC}"][data-cl="high"]:is([data-state="raised"], [data-state="escalated"])`,
  );

async function inbox(w: WatchedPage): Promise<void> {
  await w.page.getByRole('link', { name: /^Alerts/ }).click();
  await w.page.getByRole('heading', { name: 'Alerts', exact: true }).waitFor();
  await w.page
    .locator('[data-testid="alerts-live"][data-live="live"]')
    .waitFor({ timeout: 15_000 });
}

const stateOf = (page: Page, id: string) =>
  page.locator(`article[data-alert="${id}"]`).getAttribute('data-state');

/**
 * The alert inbox, the command panel and the alert e-mail address
 * (docs/web-app.md, "Alerts", "Commands"; issue 5 item 6), against the demo
 * platform of web-app.test.ts, where pt-0002 turns septic from the start and
 * its high NEWS2 raises an alert routed to the responder and the doctor.
 * Registered inside that suite (one build, one platform, one browser).
 */
export function alertTests(get: () => { demo: DemoPlatform; browser: Browser }) {
  describe('alerts, commands and alert e-mails', () => {
    it('the responder and the doctor see the septic patient’s high alert live; the doctor acknowledges and resolves it; the nurse’s inbox follows; the family’s carries no details', async () => {
      const { demo, browser } = get();
      const doctor = await openProfile(browser);
      await signIn(doctor, demo.url, await demo.token('doctor'));
      const nurse = await openProfile(browser);
      await signIn(nurse, demo.url, await demo.token('nurse'));
      const family = await openProfile(browser);
      await signIn(family, demo.url, await demo.token('family'));
      const responder = await openProfile(browser);
      await signIn(responder, demo.url, await demo.token('responder'));

      // The header counts the open alerts routed to the doctor (step 0 of the high chain).
      await doctor.page
        .locator('[data-testid="alerts-link"]:not([data-open="0"])')
        .waitFor({ timeout: 30_000 });
      await expect(
        doctor.page.getByRole('link', { name: /^Alerts, \d+ open for you$/ }).count(),
      ).resolves.toBe(1);
      await inbox(doctor);
      await inbox(nurse);
      const card = openHigh(doctor.page).first();
      await card.waitFor({ timeout: 30_000 });
      const id = (await card.getAttribute('data-alert'))!;
      expect(id).toMatch(/^al-/);
      // The care team reads the finding; words and a shape for the criticality.
      await expect(card.getByTestId('alert-finding').textContent()).resolves.not.toMatch(
        /withheld/,
      );
      await expect(card.locator('[data-criticality="high"]').textContent()).resolves.toBe(
        '▲▲ High',
      );
      // Open and most critical first: no open alert of lower criticality comes before it.
      const order = await doctor.page
        .locator('article[data-alert]')
        .evaluateAll((as) =>
          as.map((a) => ({ cl: a.getAttribute('data-cl'), state: a.getAttribute('data-state') })),
        );
      const firstOther = order.findIndex((a) => a.cl !== 'high' || a.state === 'resolved');
      expect(
        order
          .slice(firstOther < 0 ? order.length : firstOther)
          .some((a) => a.cl === 'high' && a.state !== 'resolved'),
      ).toBe(false);
      await doctor.page.screenshot({ path: screenshotPath('web-app-alerts.png'), fullPage: true });

      // The responder is alerted at once (step 0 of the high chain, with the doctor) and reads the finding.
      await responder.page
        .locator('[data-testid="alerts-link"]:not([data-open="0"])')
        .waitFor({ timeout: 30_000 });
      await inbox(responder);
      const responderCard = responder.page.locator(`article[data-alert="${id}"]`);
      await responderCard.waitFor({ timeout: 15_000 });
      await expect(responderCard.getByTestId('alert-finding').textContent()).resolves.not.toMatch(
        /withheld/,
      );

      // The nurse hears about it too (not routed to her yet: the header says no open alert for her).
      const nurseCard = nurse.page.locator(`article[data-alert="${id}"]`);
      await nurseCard.waitFor({ timeout: 15_000 });

      // Acknowledge: the doctor's card changes, and the nurse's follows live.
      await card.getByRole('button', { name: 'Acknowledge' }).click();
      await expect.poll(() => stateOf(doctor.page, id), { timeout: 15_000 }).toBe('acknowledged');
      await expect.poll(() => stateOf(nurse.page, id), { timeout: 15_000 }).toBe('acknowledged');
      await expect
        .poll(() => stateOf(responder.page, id), { timeout: 15_000 })
        .toBe('acknowledged');
      await expect(nurseCard.getByTestId('alert-acknowledged').textContent()).resolves.toMatch(
        /^Acknowledged by doctor/,
      );
      // The nurse asks for help: the next step is alerted; once none is left, the server's 409 in words.
      await nurseCard.getByRole('button', { name: 'Escalate' }).click();
      await nurseCard.getByText('Step 2 of the escalation chain').waitFor({ timeout: 15_000 });
      await nurseCard.getByRole('button', { name: 'Escalate' }).click();
      await expect(nurseCard.getByTestId('alert-problem').textContent()).resolves.toBe(
        'There is nobody further to escalate to: every step of the chain has been alerted.',
      );
      await nurse.page.screenshot({
        path: screenshotPath('web-app-alerts-nurse.png'),
        fullPage: true,
      });

      // The detail view: the delivery to each recipient, for the care team.
      await doctor.page
        .locator(`article[data-alert="${id}"]`)
        .getByRole('link', { name: /^Details/ })
        .click();
      const deliveries = doctor.page.getByTestId('deliveries');
      await deliveries.waitFor({ timeout: 15_000 });
      await expect(
        deliveries.locator('tr[data-recipient="doctor"]').getAttribute('data-status'),
      ).resolves.toBe('seen');
      await doctor.page.screenshot({
        path: screenshotPath('web-app-alert-detail.png'),
        fullPage: true,
      });

      // The family member: that there is an alert, its state, never the finding.
      await inbox(family);
      const fam = family.page.locator(`article[data-alert="${id}"]`);
      await fam.waitFor({ timeout: 15_000 });
      await expect(fam.getAttribute('data-view')).resolves.toBe('minimal');
      await expect(fam.getByTestId('alert-finding').textContent()).resolves.toMatch(
        /^Details withheld at your level\. A high alert was raised; the /,
      );
      await expect(fam.getByRole('button').count()).resolves.toBe(0);
      await family.page.screenshot({
        path: screenshotPath('web-app-alerts-family.png'),
        fullPage: true,
      });

      // Resolve, from the detail view; everyone's view follows.
      await doctor.page.getByRole('button', { name: 'Resolve' }).click();
      await expect.poll(() => stateOf(doctor.page, id), { timeout: 15_000 }).toBe('resolved');
      await expect.poll(() => stateOf(nurse.page, id), { timeout: 15_000 }).toBe('resolved');
      await expect.poll(() => stateOf(family.page, id), { timeout: 15_000 }).toBe('resolved');

      // Still septic: the next reading raises a new high alert, announced assertively, live.
      await doctor.page
        .getByTestId('alert-announce-assertive')
        .filter({ hasText: `High alert for ${SEPTIC} raised.` })
        .waitFor({ state: 'attached', timeout: 30_000 });
      await expect(
        doctor.page.getByTestId('alert-announce-assertive').getAttribute('role'),
      ).resolves.toBe('alert');

      for (const w of [doctor, nurse, family, responder]) {
        expect(w.bodies.join('\n')).not.toContain('resourceType');
        expect(cspProblems(w)).toEqual([]);
        await w.context.close();
      }
    }, 150_000);

    it('the doctor proposes an infusion rate, is refused confirming it herself, the nurse confirms it and the pump acknowledges', async () => {
      const { demo, browser } = get();
      const doctor = await openProfile(browser);
      await signIn(doctor, demo.url, await demo.token('doctor'));
      await doctor.page.getByRole('link', { name: `Open the record of ${SEPTIC}` }).click();
      const panel = doctor.page.getByTestId('command-panel');
      await panel.waitFor({ timeout: 20_000 });
      await panel.getByLabel('Command', { exact: true }).selectOption('changeDose');
      // The form checks the protocol's bounds before anything is sent.
      await panel.getByLabel('Rate (mL/h, 0–500)').fill('800');
      await panel.getByRole('button', { name: 'Propose' }).click();
      await panel.getByText('A rate from 0 to 500 mL/h').waitFor();
      await panel.getByLabel('Rate (mL/h, 0–500)').fill('42.5');
      await panel.getByRole('button', { name: 'Propose' }).click();
      const row = panel
        .locator('tr[data-kind="changeDose"][data-state="awaiting-confirmation"]')
        .first();
      await row.waitFor({ timeout: 15_000 });
      const id = (await row.getAttribute('data-command'))!;
      // Four eyes: the proposer's confirmation is refused, in words.
      await row.getByRole('button', { name: /^Confirm/ }).click();
      await panel
        .getByTestId('command-said')
        .filter({ hasText: 'must be confirmed by another clinician' })
        .waitFor({ timeout: 15_000 });

      const nurse = await openProfile(browser);
      await signIn(nurse, demo.url, await demo.token('nurse'));
      await nurse.page.getByRole('link', { name: `Open the record of ${SEPTIC}` }).click();
      const nurseRow = nurse.page.locator(`tr[data-command="${id}"]`);
      await nurseRow.waitFor({ timeout: 20_000 });
      await nurseRow
        .getByRole('button', { name: 'Confirm Infusion rate 42.5 mL/h · infusion pump' })
        .click();
      // Sealed to the gateway, acted on by the pump, acknowledged: both pages follow.
      for (const page of [nurse.page, doctor.page])
        await page
          .locator(`tr[data-command="${id}"][data-state="acknowledged"]`)
          .waitFor({ timeout: 45_000 });
      await expect(nurse.page.locator(`tr[data-command="${id}"]`).textContent()).resolves.toMatch(
        /Done by the device.*doctor, confirmed by you/,
      );
      // A spot check goes out at once.
      const panelN = nurse.page.getByTestId('command-panel');
      await panelN.getByLabel('Command', { exact: true }).selectOption('spotCheck');
      await panelN.getByRole('button', { name: 'Send' }).click();
      await panelN.locator('tr[data-kind="spotCheck"]').first().waitFor({ timeout: 15_000 });
      await panelN.scrollIntoViewIfNeeded();
      await nurse.page.screenshot({ path: screenshotPath('web-app-commands.png'), fullPage: true });
      for (const w of [doctor, nurse]) {
        expect(cspProblems(w)).toEqual([]);
        await w.context.close();
      }
    }, 120_000);

    it('the nurse sets the address her alerts are e-mailed to, after a clear refusal of a wrong one', async () => {
      const { demo, browser } = get();
      const nurse = await openProfile(browser);
      await signIn(nurse, demo.url, await demo.token('nurse'));
      await nurse.page.getByRole('link', { name: 'Your sign-in' }).click();
      await nurse.page
        .getByTestId('alert-email-current')
        .filter({ hasText: 'No address' })
        .waitFor({ timeout: 15_000 });
      const field = nurse.page.getByLabel('E-mail address for alerts');
      await field.fill('nurse@ward');
      await nurse.page.getByRole('button', { name: 'Save' }).click();
      await nurse.page.getByText('Enter an e-mail address like name@example.org').waitFor();
      await expect(field.getAttribute('aria-invalid')).resolves.toBe('true');
      await field.fill('nurse@ward.example.org');
      await nurse.page.getByRole('button', { name: 'Save' }).click();
      await expect(nurse.page.getByTestId('alert-email-saved').textContent()).resolves.toBe(
        'Saved: alerts about your patients will be e-mailed to nurse@ward.example.org.',
      );
      await nurse.page.screenshot({
        path: screenshotPath('web-app-alert-email.png'),
        fullPage: true,
      });
      // Kept by the platform: a new page load shows it.
      await nurse.page.reload();
      await nurse.page
        .getByTestId('alert-email-current')
        .filter({ hasText: 'Alerts are e-mailed to nurse@ward.example.org.' })
        .waitFor({ timeout: 15_000 });
      expect(cspProblems(nurse)).toEqual([]);
      await nurse.context.close();
    }, 60_000);
  });
}
