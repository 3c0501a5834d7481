/**
 * A security key as the second factor on the real sign-in pages, in headless Chromium with a virtual authenticator
 * (CDP WebAuthn.enable + WebAuthn.addVirtualAuthenticator, CTAP2 over USB): the cloud serves HTTPS with its dev CA,
 * which this Chromium trusts through an NSS database (WebAuthn refuses pages with certificate errors), the RP ID is
 * `localhost` (the public URL's host), passwords are checked against the AD test bed, and the MFA policy requires
 * a second factor. Set-up (registration) with recovery codes, then a sign-in with the key (amr pwd+hwk+mfa), a
 * sign-in log record for each step, the page's CSP (one script of the cloud's origin, no inline script), a forged
 * assertion refused, and a synced passkey (backup flags set: amr pwd+swk+mfa).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as oidc from 'openid-client';
import type { CDPSession, Page } from 'playwright-core';
import { SignInRateLimiter } from '../src/protection/index.ts';
import { SignInLogStore } from '../src/sign-in-log/index.ts';
import { type AdVerifier, adVerifier } from './support/ad-verifier.ts';
import { launchBrowser, type TestBrowser } from './support/browser.ts';
import { type Harness, startHarness } from './support/oidc-harness.ts';
import { authorizationRequest, discoverRp } from './support/oidc-rp.ts';

let adv: AdVerifier;
let h: Harness;
let config: oidc.Configuration;
let browser: TestBrowser;
let redirectUri: string;
let user: { upn: string; password: string };
let page: Page;
let cdp: CDPSession;
let authenticatorId: string;

before(async () => {
  adv = await adVerifier();
  h = await startHarness({
    verifier: adv.verifier,
    tenantSettings: { protection: { mfa: { mode: 'required' } } },
    oidc: { rateLimiter: new SignInRateLimiter({ config: { perIp: { points: 10_000, durationSeconds: 60 } } }) },
  });
  browser = await launchBrowser({ trustCaPem: h.caPem });
  redirectUri = `${browser.rpOrigin}/callback`;
  const { clientId, clientSecret } = await h.createClient({ redirectUris: [redirectUri] });
  config = await discoverRp(h, clientId, clientSecret);
  user = await adv.ad.createUser({ prefix: 'wauthn' });
  // One page and one virtual authenticator for the whole file: the key registered first signs in later.
  page = await browser.context.newPage();
  cdp = await browser.context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'usb',
      hasResidentKey: false,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  }));
});

after(async () => {
  await browser?.close();
  await h?.close();
  await adv?.close();
});

async function heading(): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point of a browser test
  return (await page.locator('h1').innerText()).trim();
}

async function clickAndWait(selector: string): Promise<void> {
  const before = page.url();
  await Promise.all([page.waitForURL((url) => url.href !== before, { waitUntil: 'load' }), page.click(selector)]);
}

/** Clicks and waits for the next document even when its URL is the same (a form post answered with a page). */
async function clickAndLoad(selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

async function passwordStep(): Promise<Awaited<ReturnType<typeof authorizationRequest>>> {
  const pending = await authorizationRequest(config, { redirectUri });
  await browser.context.clearCookies();
  await page.goto(pending.url.href);
  await page.fill('input[name="username"]', user.upn);
  await page.fill('input[name="password"]', user.password);
  await clickAndWait('button[type="submit"]:text("Sign in")');
  return pending;
}

async function amrAtRp(pending: Awaited<ReturnType<typeof authorizationRequest>>): Promise<unknown> {
  const last = browser.rpRequests.filter((u) => u.startsWith(redirectUri)).at(-1) ?? '';
  const callback = new URL(last);
  assert.equal(`${callback.origin}${callback.pathname}`, redirectUri, `ended at ${last}`);
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: pending.codeVerifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
  });
  return tokens.claims()?.amr;
}

describe('security key (WebAuthn) at sign-in, Chromium virtual authenticator', () => {
  test('the page is a secure context with the cloud trusted (no certificate error), RP ID localhost', async () => {
    await page.goto(h.baseUrl);
    assert.equal(new URL(h.baseUrl).hostname, 'localhost');
    assert.equal(await page.evaluate(() => window.isSecureContext), true);
  });

  test('set-up: the policy requires MFA, the user picks a security key (under the script CSP), saves recovery codes, amr pwd+hwk+mfa', async () => {
    const pending = await passwordStep();
    assert.equal(await heading(), 'Set up your authenticator app');
    const [response] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.click('a:text("Use a security key or passkey instead")'),
    ]);
    assert.equal(await heading(), 'Set up a security key');
    // The browser enforces this CSP while the key registers below: the script must come from the cloud's origin.
    const csp = (await response?.allHeaders())?.['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(await page.locator('script:not([src])').count(), 0, 'no inline script');
    assert.equal(await page.locator('script[src="/signin/static/webauthn.js"]').count(), 1);
    await clickAndLoad('button:text("Register security key")');
    assert.equal(await heading(), 'Save your recovery codes');
    assert.equal(await page.locator('.codes li').count(), 10);
    const { credentials } = (await cdp.send('WebAuthn.getCredentials', {
      authenticatorId,
    })) as { credentials: { rpId: string }[] };
    assert.equal(credentials.length, 1);
    assert.equal(credentials[0]?.rpId, 'localhost');
    await Promise.all([
      page.waitForURL((url) => url.href.startsWith(redirectUri)),
      page.click('button:text("I have saved them, continue")'),
    ]);
    assert.deepEqual(await amrAtRp(pending), ['pwd', 'hwk', 'mfa']);
  });

  test('next sign-in: "Use your security key" finishes with amr pwd+hwk+mfa; the log has both steps', async () => {
    const pending = await passwordStep();
    assert.equal(await heading(), 'Verify it is you');
    assert.equal(await page.locator('a:text("Use a recovery code instead")').count(), 1);
    await clickAndWait('button:text("Use your security key")');
    assert.deepEqual(await amrAtRp(pending), ['pwd', 'hwk', 'mfa']);
    const rows = await new SignInLogStore(h.cloud.ctx.store.db).query({
      tenantId: h.tenant.id,
      user: user.upn,
      limit: 100,
    });
    const steps = rows.records.map((r) => `${r.stage}:${r.result}:${r.mfaMethod ?? '-'}`);
    // Newest first: key sign-in (mfa ok, password mfa_pending), then the set-up (mfa ok, password enrolment).
    assert.deepEqual(steps.slice(0, 4), [
      'mfa:success:webauthn',
      'password:mfa_pending:-',
      'mfa:success:webauthn',
      'password:mfa_enrolment_required:-',
    ]);
  });

  test('a key the interaction did not ask for (no pending challenge, forged answer) is refused and counted', async () => {
    await passwordStep();
    assert.equal(await heading(), 'Verify it is you');
    // Post a made-up assertion through the form (the script would have filled it from the authenticator).
    await page.evaluate(() => {
      const form = document.querySelector('form[data-webauthn]') as HTMLFormElement;
      (form.elements.namedItem('response') as HTMLInputElement).value = JSON.stringify({
        id: 'AAAA',
        rawId: 'AAAA',
        type: 'public-key',
        response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA' },
        clientExtensionResults: {},
      });
      form.submit();
    });
    await page.waitForLoadState('load');
    await page.locator('[role="alert"]').waitFor();
    assert.match((await page.locator('[role="alert"]').textContent()) ?? '', /security key was not accepted/);
    assert.equal(await heading(), 'Verify it is you');
    const rows = await new SignInLogStore(h.cloud.ctx.store.db).query({
      tenantId: h.tenant.id,
      user: user.upn,
      limit: 100,
    });
    assert.equal(rows.records[0]?.result, 'mfa_failed');
    assert.equal(rows.records[0]?.mfaMethod, 'webauthn');
  });
  test('a synced passkey (backup eligible and backed up) registers and signs in with amr pwd+swk+mfa', async () => {
    // Another user on another device: a platform authenticator whose credentials are backed up (a synced passkey).
    await page.close();
    page = await browser.context.newPage();
    cdp = await browser.context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
        defaultBackupEligibility: true,
        defaultBackupState: true,
      },
    });
    user = await adv.ad.createUser({ prefix: 'passkey' });
    const first = await passwordStep();
    await clickAndWait('a:text("Use a security key or passkey instead")');
    await clickAndLoad('button:text("Register security key")');
    assert.equal(await heading(), 'Save your recovery codes');
    await Promise.all([
      page.waitForURL((url) => url.href.startsWith(redirectUri)),
      page.click('button:text("I have saved them, continue")'),
    ]);
    assert.deepEqual(await amrAtRp(first), ['pwd', 'swk', 'mfa']);
    const second = await passwordStep();
    await clickAndWait('button:text("Use your security key")');
    assert.deepEqual(await amrAtRp(second), ['pwd', 'swk', 'mfa']);
  });
});
