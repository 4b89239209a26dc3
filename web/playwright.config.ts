import { defineConfig } from '@playwright/test';

// The browser tests run against a running local stack (`make dev`, or the
// one scripts/web-test.sh starts): WEB_URL is its web app. Chromium is
// Debian's (installed by the scripts with apt): Playwright's own browser
// download is not reachable from here.
export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results/output',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: process.env.WEB_URL ?? 'http://127.0.0.1:8080',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 30_000,
    navigationTimeout: 60_000,
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      // As root in a container, and quiet: no calls home that this
      // machine's closed network would refuse.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    },
  },
});
