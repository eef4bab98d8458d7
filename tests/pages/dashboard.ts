// Page object of the dashboard.
import { expect, type Locator, type Page } from '@playwright/test';

export class DashboardPage {
  readonly page: Page;
  readonly from: Locator;
  readonly to: Locator;
  readonly apply: Locator;
  readonly theme: Locator;
  readonly bars: Locator;

  constructor(page: Page) {
    this.page = page;
    this.from = page.locator('#from');
    this.to = page.locator('#to');
    this.apply = page.locator('#apply');
    this.theme = page.locator('#theme');
    this.bars = page.locator('#daily-chart svg rect.bar');
  }

  async open() {
    await this.page.goto('/');
    await this.waitForHydration();
  }

  async waitForHydration() {
    await expect(this.page.locator('[data-hydrated="true"]')).toBeVisible({ timeout: 15_000 });
  }

  card(id: 'total-rows' | 'unique-contacts' | 'channels' | 'agents'): Locator {
    return this.page.locator(`#card-${id} .value`);
  }

  async expectCards(s: { totalRows: number; uniqueContacts: number; channels: number; agents: number }) {
    await expect(this.card('total-rows')).toHaveText(String(s.totalRows));
    await expect(this.card('unique-contacts')).toHaveText(String(s.uniqueContacts));
    await expect(this.card('channels')).toHaveText(String(s.channels));
    await expect(this.card('agents')).toHaveText(String(s.agents));
  }

  async chooseRange(from: string, to: string) {
    await this.from.fill(from);
    await this.to.fill(to);
    await this.apply.click();
  }

  async chooseTheme(id: string) {
    await this.theme.selectOption(id);
  }

  async themeAttribute(): Promise<string | null> {
    return this.page.evaluate(() => document.documentElement.getAttribute('data-theme'));
  }
}
