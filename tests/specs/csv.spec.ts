import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { DashboardPage } from '../pages/dashboard';
import { ReportPanel } from '../pages/reports';
import { parseCsv } from '../pages/csv';
import { loadItems } from '../pages/data';

test('the CSV download has exactly the chosen columns and the right rows', async ({ page }) => {
  const items = loadItems();
  const dashboard = new DashboardPage(page);
  await dashboard.open();
  const reports = new ReportPanel(page);
  const agent = 'Zoë "Z" Müller';
  await reports.runReport('by_agent', { agent, limit: '10000' });
  const want = items.filter((i) => i.Agent?.S === agent);
  expect(await reports.waitForRows()).toBe(want.length);
  const headers = await reports.headers();

  await page.locator('#csv-panel summary').click();
  for (const column of ['notes', 'tags']) {
    await page.locator(`#csv-panel input[data-column="${column}"]`).uncheck();
  }
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#csv-download').click()]);
  expect(download.suggestedFilename()).toMatch(/^by_agent-\d{4}-\d{2}-\d{2}\.csv$/);
  const rows = parseCsv(readFileSync(await download.path(), 'utf8'));
  expect(rows[0]).toEqual(headers.filter((h) => h !== 'notes' && h !== 'tags'));
  expect(rows.length - 1).toBe(want.length);
  const id = rows[0].indexOf('contactid');
  const agentAt = rows[0].indexOf('agent');
  expect(rows.slice(1).map((r) => r[id]).sort()).toEqual(want.map((i) => i.ContactId.S).sort());
  expect(new Set(rows.slice(1).map((r) => r[agentAt]))).toEqual(new Set([agent]));

  // The choice is remembered for this report.
  await page.reload();
  await dashboard.waitForHydration();
  await reports.runReport('by_agent', { agent, limit: '5' });
  await reports.waitForRows();
  await page.locator('#csv-panel summary').click();
  await expect(page.locator('#csv-panel input[data-column="notes"]')).not.toBeChecked();
  await expect(page.locator('#csv-panel input[data-column="agent"]')).toBeChecked();
});
