import { expect, test } from '@playwright/test';
import { DashboardPage } from '../pages/dashboard';
import { days, inRange, loadItems, stats } from '../pages/data';

test('choosing a date range (after hydration) updates cards and chart', async ({ page }) => {
  const dashboard = new DashboardPage(page);
  await dashboard.open();
  const all = loadItems();
  const ds = days(all);
  const [from, to] = [ds[3], ds[9]];
  const chosen = inRange(all, from, to);
  expect(chosen.length).toBeLessThan(all.length);

  await dashboard.chooseRange(from, to);
  await dashboard.expectCards(stats(chosen));
  await expect(dashboard.bars).toHaveCount(7);
});
