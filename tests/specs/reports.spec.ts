import { expect, test } from '@playwright/test';
import { DashboardPage } from '../pages/dashboard';
import { ReportPanel } from '../pages/reports';
import { type Item, inRange, loadItems } from '../pages/data';

const items = loadItems();
const s = (i: Item, a: string) => i[a]?.S;
const day = (i: Item) => (s(i, 'InitiationTimestamp') as string).slice(0, 10);

async function open(page: import('@playwright/test').Page) {
  const dashboard = new DashboardPage(page);
  await dashboard.open();
  return new ReportPanel(page);
}

test('All Records returns the newest rows up to the limit', async ({ page }) => {
  const reports = await open(page);
  await reports.runReport('all_records', { limit: '25' });
  expect(await reports.waitForRows()).toBe(25);
  const newest = [...items]
    .sort((a, b) => (s(b, 'InitiationTimestamp')! < s(a, 'InitiationTimestamp')! ? -1 : 1))
    .slice(0, 25)
    .map((i) => s(i, 'ContactId'));
  expect(await reports.column('contactid')).toEqual(newest);
});

test('A result larger than a server page arrives page by page on Load more rows', async ({ page }) => {
  const reports = await open(page);
  await reports.runReport('all_records', { limit: '2500' });
  // The first server page: at most 1 000 rows, and the status says there are more.
  await expect(reports.status).toHaveText(/^1000\+ rows in \d+ ms/, { timeout: 20_000 });
  await expect(page.locator('#load-more')).toBeVisible();
  expect(await reports.loadAllPages()).toBe(2500);
  await expect(page.locator('#load-more')).toHaveCount(0);
  const newest = [...items]
    .sort((a, b) => (s(b, 'InitiationTimestamp')! < s(a, 'InitiationTimestamp')! ? -1 : 1))
    .slice(0, 2500)
    .map((i) => s(i, 'ContactId'));
  expect((await reports.columnAllPages('contactid')).sort()).toEqual(newest.sort());
});

test('By Date Range returns every row of those days', async ({ page }) => {
  const reports = await open(page);
  await reports.runReport('by_date_range', { start: '2026-10-10', end: '2026-10-12', limit: '10000' });
  const want = inRange(items, '2026-10-10', '2026-10-12');
  expect(await reports.waitForRows()).toBe(want.length);
  const got = (await reports.columnAllPages('contactid')).sort();
  expect(got).toEqual(want.map((i) => s(i, 'ContactId')).sort());
});

test('By Agent finds an agent whose name has a quote', async ({ page }) => {
  const reports = await open(page);
  const agent = "O'Brien, Seán";
  await reports.runReport('by_agent', { agent, limit: '10000' });
  const want = items.filter((i) => s(i, 'Agent') === agent).length;
  expect(want).toBeGreaterThan(0);
  expect(await reports.waitForRows()).toBe(want);
  const agents = await reports.columnAllPages('agent');
  expect(new Set(agents)).toEqual(new Set([agent]));
});

test('By Contact ID returns that contact', async ({ page }) => {
  const reports = await open(page);
  const target = s(items[123], 'ContactId') as string;
  await reports.runReport('by_contact_id', { contactId: target });
  expect(await reports.waitForRows()).toBe(1);
  expect(await reports.column('contactid')).toEqual([target]);
});

for (const [report, attr, column] of [
  ['daily_by_agent', 'Agent', 'agent'],
  ['daily_by_channel', 'Channel', 'channel'],
] as const) {
  test(`Daily Summary (${column}) counts rows per day and ${column}`, async ({ page }) => {
    const reports = await open(page);
    await reports.runReport(report, { start: '2026-10-01', end: '2026-10-07' });
    const want = new Map<string, number>();
    for (const i of inRange(items, '2026-10-01', '2026-10-07')) {
      const v = s(i, attr);
      if (v === undefined) continue;
      const key = `${day(i)}|${v}`;
      want.set(key, (want.get(key) ?? 0) + 1);
    }
    await reports.waitForRows();
    const got = new Map<string, number>();
    for (const [d, v, n] of await reports.rowsAllPages(['report_day', column, 'contacts'])) {
      if (v !== '') got.set(`${d}|${v}`, Number(n));
    }
    expect(got).toEqual(want);
  });
}

test('Custom SQL runs a SELECT and refuses DROP TABLE with the reason', async ({ page }) => {
  const reports = await open(page);
  await reports.type.selectOption('custom');
  await page.locator('#sql-example').click();
  await expect(page.locator('#report-sql')).toHaveValue(/SELECT channel/);
  await reports.run.click();
  await reports.waitForRows();
  const channels = new Set(items.map((i) => s(i, 'Channel')).filter((v) => v !== undefined));
  expect(new Set(await reports.column('channel'))).toEqual(new Set([...channels]));

  await page.locator('#sql-clear').click();
  await expect(page.locator('#report-sql')).toHaveValue('');
  await page.locator('#report-sql').fill('DROP TABLE gsi_export');
  await reports.run.click();
  await expect(reports.error).toContainText('refused');
  await expect(reports.error).toContainText(/SELECT/i);
});
