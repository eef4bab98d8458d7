// How both Playwright configs drive Debian's Chromium (never a downloaded browser). Without the
// background-networking flags Chromium's connections are refused by this machine's closed network.
export const chromium = {
  browserName: 'chromium' as const,
  viewport: { width: 1280, height: 900 },
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  },
};
