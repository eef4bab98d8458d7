import { expect, test } from '@playwright/test';
import { DashboardPage } from '../pages/dashboard';

for (const theme of ['light', 'dark', 'ocean', 'sunset']) {
  test(`the ${theme} theme persists across a reload (screenshots at 1280 and 390 px)`, async ({ page }, testInfo) => {
    const dashboard = new DashboardPage(page);
    await dashboard.open();
    await dashboard.chooseTheme(theme);
    expect(await dashboard.themeAttribute()).toBe(theme);
    await page.reload();
    expect(await dashboard.themeAttribute()).toBe(theme);
    await dashboard.waitForHydration();
    await expect(dashboard.theme).toHaveValue(theme);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      // Nothing may stick out sideways at either width.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `horizontal overflow at ${width}px`).toBeLessThanOrEqual(1);
      await page.screenshot({ path: testInfo.outputPath(`dashboard-${theme}-${width}.png`), fullPage: true });
    }
  });
}
