import type { Page } from 'playwright-core';
import type { WatchedPage } from './browser.js';

/** Signs in with an API token (the interim way in) and waits for the patient list, empty or not. */
export async function signIn(w: WatchedPage, url: string, token: string): Promise<void> {
  await w.page.goto(`${url}/web/`);
  await w.page.getByLabel('Access token').fill(token);
  await w.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await w.page
    .getByTestId('patients')
    .or(w.page.getByText('You are not in any patient’s care episode.'))
    .waitFor({ timeout: 20_000 });
}

/** Opens a patient's record from the list and reads what it shows. */
export async function openRecord(page: Page, pt: string) {
  await page.getByRole('link', { name: `Open the record of ${pt}` }).click();
  await page.getByTestId('record').waitFor({ timeout: 30_000 });
  const rows = await page
    .getByTestId('vitals')
    .locator('tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => ({
        name: tr.querySelector('th')?.textContent ?? '',
        value: tr.querySelector('td')?.textContent ?? '',
        withheld: tr.getAttribute('data-withheld') === 'true',
      })),
    );
  const news2 = (await page.getByTestId('news2').textContent()) ?? '';
  const criticality = await page
    .locator('[data-criticality]')
    .first()
    .getAttribute('data-criticality');
  return { rows, news2, criticality };
}

/** CSP violations and page errors seen (a browser test fails on any). */
export const cspProblems = (w: WatchedPage) =>
  w.problems.filter((p) => /Content Security Policy|page error/i.test(p));
