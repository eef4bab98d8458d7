import { expect, test } from '@playwright/test';
import { DashboardPage } from '../pages/dashboard';

test('choosing Dark and reloading keeps Dark, from the first paint', async ({ page }, testInfo) => {
  const dashboard = new DashboardPage(page);
  await dashboard.open();
  expect(await dashboard.themeAttribute()).toBe('light');

  await dashboard.chooseTheme('dark');
  expect(await dashboard.themeAttribute()).toBe('dark');

  // Block the bundle: the theme must come from the head script, before any hydration.
  await page.route('**/pkg/dynamo_lake.wasm', (route) => route.abort());
  await page.reload();
  expect(await dashboard.themeAttribute()).toBe('dark');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).toBe('rgb(15, 20, 27)');
  await page.unroute('**/pkg/dynamo_lake.wasm');

  await page.reload();
  await dashboard.waitForHydration();
  await expect(dashboard.theme).toHaveValue('dark');
  await page.screenshot({ path: testInfo.outputPath('dashboard-dark-1280.png'), fullPage: true });
});
