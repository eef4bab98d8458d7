// Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser).
// `./dev test` sets DYNAMO_LAKE_BIN (the debug binary), E2E_PORT (a free port) and E2E_DATA
// (a fresh folder): the web server below starts dynalite, loads the demo's sample data into it,
// exports it into a lake there (the real `export` path) and serves the dashboard.
import { defineConfig } from '@playwright/test';
import { chromium } from './chromium';

const port = Number(process.env.E2E_PORT ?? 3917);
const data = process.env.E2E_DATA ?? '/tmp/dynamo-lake-e2e';
const bin = process.env.DYNAMO_LAKE_BIN ?? '../target/debug/dynamo-lake';

export default defineConfig({
  testDir: './specs',
  outputDir: './test-results',
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  timeout: 30_000,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    ...chromium,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  webServer: {
    command: `../scripts/with-dynalite.sh ${bin} demo --dir ${data} --items 3000 --days 45 --seed 7 --end 2026-10-31 --addr 127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/api/stats`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
  },
});
