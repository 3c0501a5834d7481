/**
 * Headless Chromium for sign-in tests: Debian's /usr/bin/chromium driven by playwright-core (never
 * `playwright install`), a fresh temporary profile per launch, no network beyond loopback. The relying party is a
 * small HTTP server on loopback (RFC 8252 7.3 loopback redirect) that records where the browser was sent: Playwright
 * does not intercept the redirect that ends a sign-in. JavaScript is off: the sign-in pages must work without it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
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

export interface TestBrowser {
  readonly context: BrowserContext;
  /** URLs of the RP the browser was sent to (callbacks, post-logout), in order. */
  readonly rpRequests: string[];
  /** The RP's origin, http://127.0.0.1:<port>: register `${rpOrigin}/callback` as a redirect URI. */
  readonly rpOrigin: string;
  close(): Promise<void>;
}

export async function launchBrowser(
  options: { viewport?: { width: number; height: number } } = {},
): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'openpta-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
    javaScriptEnabled: false,
    // The cloud's dev CA is not in Chromium's store; the relying party (openid-client) does trust it properly.
    ignoreHTTPSErrors: true,
    viewport: options.viewport ?? { width: 1024, height: 768 },
    timeout: 30_000,
  });
  const rpRequests: string[] = [];
  const rp = createServer((req, res) => {
    rpRequests.push(`http://${req.headers.host}${req.url}`);
    res.writeHead(200, { 'content-type': 'text/html', connection: 'close' });
    res.end('<!doctype html><title>RP</title><h1>Relying party</h1>');
  });
  await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve));
  const rpOrigin = `http://127.0.0.1:${(rp.address() as AddressInfo).port}`;
  return {
    context,
    rpRequests,
    rpOrigin,
    async close() {
      await context.close();
      rp.closeAllConnections();
      await new Promise<void>((resolve) => rp.close(() => resolve()));
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
