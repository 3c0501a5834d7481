/**
 * How every browser test runs Chromium: Debian's /usr/bin/chromium (scripts/install-system-deps.sh) driven by
 * playwright-core, never `playwright install` (no downloads), headless, no network beyond loopback. One list so the
 * cloud's sign-in tests and the CLI's demo test cannot drift apart.
 */
export const CHROMIUM_EXECUTABLE = '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Resolve the dev certificate's host name without any resolver (nothing else is looked up).
  '--host-resolver-rules=MAP localhost 127.0.0.1',
];
