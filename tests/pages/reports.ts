// Page object of the report panel: choose a report, fill its inputs, run it, read the table.
import { expect, type Locator, type Page } from '@playwright/test';

export type ReportInputs = {
  start?: string;
  end?: string;
  agent?: string;
  contactId?: string;
  sql?: string;
  limit?: string;
};

export class ReportPanel {
  readonly page: Page;
  readonly type: Locator;
  readonly run: Locator;
  readonly status: Locator;
  readonly error: Locator;
  readonly table: Locator;
  readonly pageInfo: Locator;

  constructor(page: Page) {
    this.page = page;
    this.type = page.locator('#report-type');
    this.run = page.locator('#run-report');
    this.status = page.locator('#report-status');
    this.error = page.locator('#report-error');
    this.table = page.locator('#results-table');
    this.pageInfo = page.locator('#page-info');
  }

  async runReport(query: string, inputs: ReportInputs = {}) {
    await this.type.selectOption(query);
    if (inputs.start !== undefined) await this.page.locator('#report-start').fill(inputs.start);
    if (inputs.end !== undefined) await this.page.locator('#report-end').fill(inputs.end);
    if (inputs.agent !== undefined) {
      const select = this.page.locator('#report-agent');
      await expect(select.locator('option', { hasText: inputs.agent }).first()).toBeAttached();
      await select.selectOption({ label: inputs.agent });
    }
    if (inputs.contactId !== undefined) await this.page.locator('#report-contact').fill(inputs.contactId);
    if (inputs.sql !== undefined) await this.page.locator('#report-sql').fill(inputs.sql);
    if (inputs.limit !== undefined) await this.page.locator('#report-limit').fill(inputs.limit);
    await this.run.click();
  }

  /** Clicks "Load more rows" until the server has no more pages; returns the rows loaded. */
  async loadAllPages(): Promise<number> {
    const more = this.page.locator('#load-more');
    await expect(this.status).toHaveText(/^\d+\+? rows in \d+ ms/, { timeout: 20_000 });
    while (await more.isVisible()) {
      const before = (await this.status.textContent()) ?? '';
      await more.click();
      await expect(this.status).not.toHaveText(before, { timeout: 20_000 });
    }
    return this.waitForRows();
  }

  async waitForRows(): Promise<number> {
    await expect(this.status).toHaveText(/^\d+ rows in \d+ ms/, { timeout: 20_000 });
    const text = (await this.status.textContent()) ?? '';
    return Number(text.split(' ')[0]);
  }

  async headers(): Promise<string[]> {
    return (await this.table.locator('thead th').allTextContents()).map((t) => t.replace(/[▲▼]/g, '').trim());
  }

  /** Values of one column on the current page, by header name (full values, from the tooltip). */
  async column(name: string): Promise<string[]> {
    const index = (await this.headers()).indexOf(name);
    expect(index, `column ${name}`).toBeGreaterThanOrEqual(0);
    return this.table
      .locator(`tbody tr td:nth-child(${index + 1})`)
      .evaluateAll((cells) => cells.map((c) => c.getAttribute('title') ?? ''));
  }

  /** Every value of a column, across all table pages. */
  async columnAllPages(name: string): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      out.push(...(await this.column(name)));
      if (!(await this.nextPage())) return out;
    }
  }

  /** Rows of the given columns, across all table pages. */
  async rowsAllPages(names: string[]): Promise<string[][]> {
    const out: string[][] = [];
    for (;;) {
      const cols = await Promise.all(names.map((n) => this.column(n)));
      cols[0].forEach((_, r) => out.push(cols.map((c) => c[r])));
      if (!(await this.nextPage())) return out;
    }
  }

  /** Goes to the next table page and waits for it; false on the last page. */
  async nextPage(): Promise<boolean> {
    const next = this.page.locator('#page-next');
    if (await next.isDisabled()) return false;
    const before = await this.pageInfo.textContent();
    await next.click();
    await expect(this.pageInfo).not.toHaveText(before ?? '');
    return true;
  }
}
