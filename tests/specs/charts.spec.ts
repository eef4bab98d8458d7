import { expect, test } from '@playwright/test';
import { DashboardPage } from '../pages/dashboard';
import { type Item, inRange, loadItems } from '../pages/data';

function counts(items: Item[], attr: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const i of items) {
    const v = i[attr]?.S ?? '(none)';
    out.set(v, (out.get(v) ?? 0) + 1);
  }
  return out;
}

async function slices(page: import('@playwright/test').Page, chart: string, selector: string) {
  return page.locator(`#${chart} svg ${selector}`).evaluateAll((els) =>
    els.map((e) => [e.getAttribute('data-label') ?? '', Number(e.getAttribute('data-value'))] as [string, number]),
  );
}

test('the channel doughnut and initiation pie show the counts of the range', async ({ page }) => {
  const items = inRange(loadItems(), '2026-10-05', '2026-10-20');
  const dashboard = new DashboardPage(page);
  await dashboard.open();
  await dashboard.chooseRange('2026-10-05', '2026-10-20');
  await dashboard.expectCards({
    totalRows: items.length,
    uniqueContacts: new Set(items.map((i) => i.ContactId.S)).size,
    channels: new Set(items.map((i) => i.Channel?.S).filter(Boolean)).size,
    agents: new Set(items.map((i) => i.Agent?.S).filter(Boolean)).size,
  });
  expect(new Map(await slices(page, 'channel-chart', '.slice'))).toEqual(counts(items, 'Channel'));
  expect(new Map(await slices(page, 'initiation-chart', '.slice'))).toEqual(counts(items, 'InitiationMethod'));
});

test('the agent chart shows the top agents and the others', async ({ page }) => {
  const items = loadItems();
  const dashboard = new DashboardPage(page);
  await dashboard.open();
  const bars = await slices(page, 'agent-chart', 'rect.bar');
  const all = [...counts(items, 'Agent').entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shown = bars.filter(([l]) => l !== 'Others');
  expect(shown).toEqual(all.slice(0, shown.length));
  const others = bars.find(([l]) => l === 'Others');
  const rest = all.slice(shown.length).reduce((n, [, v]) => n + v, 0);
  expect(others?.[1] ?? 0).toBe(rest);
  expect(bars.reduce((n, [, v]) => n + v, 0)).toBe(items.length);
});

test('an empty range says so in every chart', async ({ page }) => {
  const dashboard = new DashboardPage(page);
  await dashboard.open();
  await dashboard.chooseRange('2001-01-01', '2001-01-02');
  await expect(dashboard.card('total-rows')).toHaveText('0');
  for (const chart of ['daily-chart', 'channel-chart', 'agent-chart', 'initiation-chart']) {
    await expect(page.locator(`#${chart}`)).toContainText('No data in this range');
  }
});
