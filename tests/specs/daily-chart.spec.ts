import { expect, test } from '@playwright/test';
import { DashboardPage } from '../pages/dashboard';
import { days, loadItems } from '../pages/data';

test('the daily chart has one bar per day present', async ({ page }) => {
  const dashboard = new DashboardPage(page);
  await dashboard.open();
  const expected = days(loadItems()).length;
  expect(expected).toBeGreaterThan(1);
  await expect(dashboard.bars).toHaveCount(expected);
});
