import { test } from '@playwright/test';
import { DashboardPage } from '../pages/dashboard';
import { loadItems, stats } from '../pages/data';

test('the four cards show the numbers of the generated data', async ({ page }) => {
  const dashboard = new DashboardPage(page);
  await dashboard.open();
  await dashboard.expectCards(stats(loadItems()));
});
