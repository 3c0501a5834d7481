/**
 * Headless Chromium for sign-in tests: Debian's /usr/bin/chromium driven by playwright-core (never
 * `playwright install`), a fresh temporary profile per launch, no network beyond loopback. The relying party is a
 * small HTTP server on loopback (RFC 8252 7.3 loopback redirect) that records where the browser was sent: Playwright
 * does not intercept the redirect that ends a sign-in. JavaScript is off: the sign-in pages must work without it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from '../../../../scripts/testing/chromium.ts';

export { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE };

export interface TestBrowser {
  readonly context: BrowserContext;
  /** URLs of the RP the browser was sent to (callbacks, post-logout), in order. */
  readonly rpRequests: string[];
  /** The RP's origin, http://127.0.0.1:<port>: register `${rpOrigin}/callback` as a redirect URI. */
  readonly rpOrigin: string;
  close(): Promise<void>;
}

/**
 * A fresh HOME whose NSS database (~/.pki/nssdb, where Chromium on Linux reads user-trusted CAs) trusts `caPem` for
 * TLS servers (`-t C,,`). Needs certutil (Debian libnss3-tools, scripts/install-system-deps.sh).
 */
export function homeTrustingCa(dir: string, caPem: string): string {
  const nssdb = join(dir, '.pki', 'nssdb');
  mkdirSync(nssdb, { recursive: true });
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, caPem);
  try {
    execFileSync('certutil', ['-N', '-d', `sql:${nssdb}`, '--empty-password'], { stdio: 'pipe' });
    execFileSync('certutil', ['-A', '-d', `sql:${nssdb}`, '-t', 'C,,', '-n', 'openpta-dev', '-i', caFile], {
      stdio: 'pipe',
    });
  } catch (error) {
    throw new Error(
      'certutil failed: install Debian libnss3-tools (sudo bash scripts/install-system-deps.sh) to let Chromium trust the dev CA',
      { cause: error },
    );
  }
  return dir;
}

export async function launchBrowser(
  options: {
    viewport?: { width: number; height: number };
    /**
     * Trust this CA for real (NSS database under a temporary HOME) instead of ignoring certificate errors, and run
     * JavaScript: WebAuthn refuses pages with certificate errors, and the security-key pages need their script.
     */
    trustCaPem?: string;
  } = {},
): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'openpta-chromium-'));
  const trusted = options.trustCaPem !== undefined;
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_EXECUTABLE,
    args: [...CHROMIUM_ARGS],
    headless: true,
    javaScriptEnabled: trusted,
    env: trusted ? { ...process.env, HOME: homeTrustingCa(profile, options.trustCaPem!) } : undefined,
    // Without trustCaPem: the cloud's dev CA is not in Chromium's store; the relying party (openid-client) does
    // trust it properly.
    ignoreHTTPSErrors: !trusted,
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
