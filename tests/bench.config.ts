// Dashboard measurements (./dev bench-ui), not tests: the release binary with the bundle embedded
// serves a 100 000-item demo lake; the spec prints figures as JSON lines.
import { defineConfig } from '@playwright/test';
import { chromium } from './chromium';

const port = Number(process.env.E2E_PORT ?? 3918);
const data = process.env.E2E_DATA ?? '/tmp/dynamo-lake-bench';
const bin = process.env.DYNAMO_LAKE_BIN ?? '../target/release/dynamo-lake';

export default defineConfig({
  testDir: './bench',
  testMatch: '**/*.bench.ts',
  outputDir: './test-results/bench',
  workers: 1,
  retries: 0,
  reporter: [['list']],
  timeout: 300_000,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    ...chromium,
  },
  webServer: {
    command: `DYNAMO_LAKE_MAX_ROWS=100000 ${bin} demo --dir ${data} --items 100000 --days 90 --seed 5 --end 2026-10-31 --addr 127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/api/stats`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: 'ignore',
  },
});
