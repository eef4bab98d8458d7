import { expect, test } from '@playwright/test';
import { DashboardPage } from '../pages/dashboard';
import { ReportPanel } from '../pages/reports';

test('clicking a cell copies its value', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const dashboard = new DashboardPage(page);
  await dashboard.open();
  const reports = new ReportPanel(page);
  await reports.runReport('all_records', { limit: '5' });
  await reports.waitForRows();
  const index = (await reports.headers()).indexOf('contactid');
  const cell = reports.table.locator(`tbody tr:first-child td:nth-child(${index + 1})`);
  const value = await cell.getAttribute('title');
  expect(value).toBeTruthy();
  await cell.click();
  await expect(page.locator('#copy-note')).toBeVisible();
  await expect(cell).toHaveClass(/copied/);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(value);
});
