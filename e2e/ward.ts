import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openProfile, screenshotPath } from './support/browser.js';
import { cspProblems, signIn } from './support/app.js';
import type { DemoPlatform } from './support/platform.js';

const SIGNS = ['respiratoryRate', 'spo2', 'systolicBP', 'pulse', 'temperature'] as const;

const points = (page: Page, sign: string) =>
  page
    .getByTestId(`chart-${sign}`)
    .getAttribute('data-points')
    .then((n) => Number(n ?? 0));

/**
 * The ward dashboard and the live vital-sign charts (docs/web-app.md, "The
 * ward" and "Charts"; issue 5 item 6), against the demo platform of
 * web-app.test.ts, where pt-0002 turns septic from the start. Registered
 * inside that suite (one build, one platform, one browser).
 */
export function wardTests(get: () => { demo: DemoPlatform; browser: Browser }) {
  describe('the ward dashboard and the vital-sign charts', () => {
    it('lists the septic pt-0002 first once its criticality is high, with its NEWS2 score, live', async () => {
      const { demo, browser } = get();
      const w = await openProfile(browser);
      await signIn(w, demo.url, await demo.token('doctor'));
      const septic = w.page.locator('tr[data-pt="pt-0002"]');
      await septic.locator('[data-criticality="high"]').waitFor({ timeout: 30_000 });
      const rows = w.page.getByTestId('patients').locator('tbody tr');
      await expect
        .poll(() => rows.first().getAttribute('data-pt'), { timeout: 10_000 })
        .toBe('pt-0002');
      // The doctor's version carries the score, decrypted here: 7 or more is what made it high.
      const score = septic.getByTestId('news2').locator('[data-news2]');
      await score.waitFor({ timeout: 15_000 });
      expect(Number(await score.getAttribute('data-news2'))).toBeGreaterThanOrEqual(7);
      // Words and a shape, not colour alone.
      await expect(septic.locator('[data-criticality="high"]').textContent()).resolves.toBe(
        '▲▲ High',
      );
      // Live: a newer version of pt-0002 arrives over the channel and the row follows it.
      await w.page.locator('[data-live="live"]').waitFor({ timeout: 15_000 });
      const src = await septic.getAttribute('data-src');
      await w.page.waitForFunction(
        (before) =>
          (
            globalThis as unknown as {
              document: {
                querySelector(s: string): { getAttribute(a: string): string | null } | null;
              };
            }
          ).document
            .querySelector('tr[data-pt="pt-0002"]')
            ?.getAttribute('data-src') !== before,
        src,
        { timeout: 20_000 },
      );
      await expect(rows.first().getAttribute('data-pt')).resolves.toBe('pt-0002');
      // The order is announced politely (what it says is unit tested in ward/order.test.ts).
      await expect(
        w.page.getByTestId('order-announcement').getAttribute('aria-live'),
      ).resolves.toBe('polite');
      await w.page.screenshot({ path: screenshotPath('web-app-ward.png') });
      expect(cspProblems(w)).toEqual([]);
      await w.context.close();
    }, 90_000);

    it('the family member’s dashboard: criticality, the score withheld', async () => {
      const { demo, browser } = get();
      const w = await openProfile(browser);
      await signIn(w, demo.url, await demo.token('family'));
      const row = w.page.locator('tr[data-pt="pt-0001"]');
      await row.locator('[data-criticality]').waitFor({ timeout: 30_000 });
      await row.getByTestId('news2').locator('[data-withheld="true"]').waitFor({ timeout: 15_000 });
      expect(cspProblems(w)).toEqual([]);
      await w.context.close();
    }, 60_000);

    it('the patient page charts the last 2 hours for the doctor, live, and says “withheld” to the family', async () => {
      const { demo, browser } = get();
      const doctor = await openProfile(browser);
      await signIn(doctor, demo.url, await demo.token('doctor'));
      const history = doctor.page.waitForResponse((r) => r.url().includes('rcn=8'), {
        timeout: 30_000,
      });
      await doctor.page.getByRole('link', { name: 'Open the record of pt-0002' }).click();
      // The history: a child listing of the version container since two hours ago, sealed.
      const listing = await history;
      expect(listing.url()).toMatch(/[?&]ty=4&cra=\d{8}T\d{6}&/);
      const cins = ((await listing.json()) as { 'm2m:cnt'?: { 'm2m:cin'?: unknown[] } })[
        'm2m:cnt'
      ]?.['m2m:cin'];
      expect(cins?.length).toBeGreaterThan(1);
      const charts = doctor.page.getByTestId('charts');
      await charts.getByText('Decrypting the last 2 hours…').waitFor({ state: 'detached' });
      for (const sign of SIGNS) {
        await expect.poll(() => points(doctor.page, sign), { timeout: 15_000 }).toBeGreaterThan(1);
        // Drawn: uPlot's canvas, and the same in words for those who cannot see it.
        await expect(
          doctor.page.getByTestId(`chart-${sign}`).locator('canvas').count(),
        ).resolves.toBeGreaterThan(0);
      }
      await expect(doctor.page.getByTestId('chart-pulse').textContent()).resolves.toMatch(
        /readings in the last 2 hours, from \d+ to \d+/,
      );
      await expect(doctor.page.getByTestId('chart-consciousness').textContent()).resolves.toMatch(
        /Alert|confusion|Responds|Unresponsive|no valid value/,
      );
      // Live: new readings are appended to the charts.
      const before = await points(doctor.page, 'pulse');
      await expect
        .poll(() => points(doctor.page, 'pulse'), { timeout: 20_000 })
        .toBeGreaterThan(before);
      await doctor.page.screenshot({ path: screenshotPath('web-app-charts.png'), fullPage: true });
      // Decrypted here: the history came sealed too.
      expect(doctor.bodies.join('\n')).not.toContain('resourceType');
      expect(cspProblems(doctor)).toEqual([]);

      const family = await openProfile(browser);
      await signIn(family, demo.url, await demo.token('family'));
      await family.page.getByRole('link', { name: 'Open the record of pt-0001' }).click();
      for (const sign of SIGNS) {
        const chart = family.page.getByTestId(`chart-${sign}`);
        await chart.and(family.page.locator('[data-withheld="true"]')).waitFor({ timeout: 30_000 });
        await expect(chart.textContent()).resolves.toContain('withheld at your level');
        await expect(chart.locator('canvas').count()).resolves.toBe(0);
      }
      await family.page.screenshot({
        path: screenshotPath('web-app-charts-family.png'),
        fullPage: true,
      });
      expect(cspProblems(family)).toEqual([]);
      await doctor.context.close();
      await family.context.close();
    }, 120_000);
  });
}
