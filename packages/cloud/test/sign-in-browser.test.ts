/**
 * The sign-in pages in a real browser (headless Chromium, JavaScript off): the full code flow ends at the relying
 * party, each outcome shows its page, the wrong-password page renders (screenshot), and it fits a phone screen.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import type { Locator, Page } from 'playwright-core';
import { SignInRateLimiter } from '../src/protection/index.ts';
import { type AdVerifier, adVerifier, unreachableVerifier } from './support/ad-verifier.ts';
import { launchBrowser, type TestBrowser } from './support/browser.ts';
import { type Harness, startHarness } from './support/oidc-harness.ts';
import { authorizationRequest, discoverRp, redeemCode } from './support/oidc-rp.ts';

let adv: AdVerifier;
let h: Harness;
let config: oidc.Configuration;
let browser: TestBrowser;
let redirectUri: string;

before(async () => {
  adv = await adVerifier();
  h = await startHarness({
    verifier: adv.verifier,
    oidc: { rateLimiter: new SignInRateLimiter({ config: { perIp: { points: 10_000, durationSeconds: 60 } } }) },
  });
  browser = await launchBrowser();
  redirectUri = `${browser.rpOrigin}/callback`;
  const { clientId, clientSecret } = await h.createClient({ redirectUris: [redirectUri] });
  config = await discoverRp(h, clientId, clientSecret);
});

after(async () => {
  await browser?.close();
  await h?.close();
  await adv?.close();
});

async function openSignIn(): Promise<{ page: Page; pending: Awaited<ReturnType<typeof authorizationRequest>> }> {
  const pending = await authorizationRequest(config, { scope: 'openid profile email groups', redirectUri });
  // Each test starts signed out (an SSO session from an earlier test would skip the form).
  await browser.context.clearCookies();
  const page = await browser.context.newPage();
  await page.goto(pending.url.href);
  return { page, pending };
}

async function submit(page: Page, username: string, password: string): Promise<void> {
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await clickAndWait(page, 'button[type="submit"]:text("Sign in")');
}

/** Submits with a click and waits for the next document (the form posts without JavaScript). */
async function clickAndWait(page: Page, selector: string): Promise<void> {
  const before = page.url();
  await Promise.all([page.waitForURL((url) => url.href !== before, { waitUntil: 'load' }), page.click(selector)]);
}

/** The text as rendered (what the user sees), not the DOM's textContent. */
async function visibleText(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point of a browser test
  return (await locator.innerText()).trim();
}

async function heading(page: Page): Promise<string> {
  return visibleText(page.locator('h1'));
}

/** Signs the normal user in on another harness (its own verifier or tenant settings), in a fresh signed-out page. */
async function signInOn(h2: Harness): Promise<Page> {
  const { clientId, clientSecret } = await h2.createClient({ redirectUris: [redirectUri] });
  const c2 = await discoverRp(h2, clientId, clientSecret);
  await browser.context.clearCookies();
  const page = await browser.context.newPage();
  await page.goto((await authorizationRequest(c2, { redirectUri })).url.href);
  await submit(page, adv.ad.users.normal.upn, adv.ad.users.normal.password);
  return page;
}

describe('sign-in in Chromium', () => {
  test('the form is labelled, focused and in the tenant’s name; a correct password ends at the relying party', async () => {
    const { page, pending } = await openSignIn();
    assert.equal(await heading(page), 'Sign in');
    assert.equal(await visibleText(page.locator('.tenant')), 'Acme <Corp> & Sons');
    assert.equal(await page.getByLabel('Username').getAttribute('autocomplete'), 'username');
    assert.equal(await page.getByLabel('Password').getAttribute('type'), 'password');
    assert.equal(await page.locator('#username').getAttribute('autofocus'), '');
    const user = adv.ad.users.grouped;
    await submit(page, user.upn, user.password);
    assert.ok(page.url().startsWith(redirectUri), page.url());
    const tokens = await redeemCode(config, new URL(page.url()), pending);
    assert.equal(tokens.claims()?.preferred_username, user.upn);
    await page.close();
  });

  test('a wrong password shows the alert on a rendered page (screenshot) and focuses the password field', async () => {
    const { page } = await openSignIn();
    await submit(page, adv.ad.users.normal.upn, adv.ad.wrongPassword);
    const alert = page.getByRole('alert');
    assert.ok(await alert.isVisible());
    assert.match(await visibleText(alert), /username or password is incorrect/);
    assert.equal(await heading(page), 'Sign in');
    assert.equal(await page.locator('#password').getAttribute('autofocus'), '');
    assert.equal(await page.inputValue('#username'), adv.ad.users.normal.upn);
    assert.equal(await page.inputValue('#password'), '', 'the password is never sent back');
    const png = await page.screenshot({ fullPage: true });
    // Kept for a human to look at: $TMPDIR/openpta-sign-in-wrong-password.png.
    writeFileSync(join(tmpdir(), 'openpta-sign-in-wrong-password.png'), png);
    // A real render: a PNG of the viewport size with plenty of distinct content, not a blank page.
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.equal(png.readUInt32BE(16), 1024);
    assert.ok(png.length > 15_000, `screenshot has ${png.length} bytes`);
    const alertBox = await alert.boundingBox();
    assert.ok(alertBox && alertBox.width > 100 && alertBox.height > 20, 'alert has a visible box');
    await page.close();
  });

  for (const [key, title] of [
    ['disabled', 'Account disabled'],
    ['accountExpired', 'Account expired'],
    ['locked', 'Account locked'],
    ['logonHours', 'Sign-in not allowed now'],
    ['passwordExpired', 'Change your password'],
    ['mustChange', 'Change your password'],
  ] as const) {
    test(`${key}: the page says "${title}"`, async () => {
      const { page } = await openSignIn();
      const user = adv.ad.users[key];
      await submit(page, user.upn, user.password);
      assert.equal(await heading(page), title);
      if (title !== 'Change your password') {
        assert.ok(await page.getByRole('alert').isVisible());
        assert.ok(await page.getByRole('link', { name: 'Try again' }).isVisible());
      } else {
        assert.ok(await page.getByLabel('Current password').isVisible());
        assert.ok(await page.getByLabel('New password', { exact: true }).isVisible());
        assert.ok(await page.getByLabel('Confirm new password').isVisible());
      }
      await page.close();
    });
  }

  test('must-change completes in the browser: change, then back at the relying party', async () => {
    const user = await adv.ad.createUser({ state: 'mustChange', prefix: 'bmc' });
    const { page, pending } = await openSignIn();
    await submit(page, user.upn, user.password);
    assert.equal(await heading(page), 'Change your password');
    const next = `Br0wser-${user.password}`;
    await page.fill('#current-password', user.password);
    await page.fill('#new-password', next);
    await page.fill('#confirm-password', next);
    await clickAndWait(page, 'button:text("Change password and sign in")');
    assert.ok(page.url().startsWith(redirectUri), page.url());
    const tokens = await redeemCode(config, new URL(page.url()), pending);
    assert.equal(tokens.claims()?.preferred_username, user.upn);
    await page.close();
  });

  test('fits a phone screen without horizontal scrolling', async () => {
    const phone = await launchBrowser({ viewport: { width: 360, height: 640 } });
    try {
      const pending = await authorizationRequest(config, { redirectUri });
      const page = await phone.context.newPage();
      await page.goto(pending.url.href);
      const box = await page.locator('#password').boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 360, `password field at ${JSON.stringify(box)}`);
      const button = await page.locator('button[type="submit"]').first().boundingBox();
      assert.ok(button && button.height >= 40, 'touch-sized button');
    } finally {
      await phone.close();
    }
  });

  test('an unreachable directory shows "could not reach" with a reference', async () => {
    const down = await unreachableVerifier();
    const h2 = await startHarness({ verifier: down.verifier });
    try {
      const page = await signInOn(h2);
      const text = await visibleText(page.getByRole('alert'));
      assert.match(text, /could not reach your organisation's directory/);
      assert.match(text, /Reference: [0-9a-f-]{36}/);
      assert.doesNotMatch(text, /incorrect/);
      await page.close();
    } finally {
      await h2.close();
      await down.close();
    }
  });

  test('with MFA required, the authenticator set-up page shows a scannable QR code and the key', async () => {
    const h2 = await startHarness({
      verifier: adv.verifier,
      tenantSettings: { protection: { mfa: { mode: 'required' } } },
    });
    try {
      const page = await signInOn(h2);
      assert.equal(await heading(page), 'Set up your authenticator app');
      const qr = await page.locator('.qr svg').boundingBox();
      assert.ok(qr && qr.width >= 150 && qr.height >= 150, `QR code box ${JSON.stringify(qr)}`);
      assert.match(await visibleText(page.locator('#secret')), /^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/);
      assert.equal(await page.getByLabel('Code shown by the app').getAttribute('autocomplete'), 'one-time-code');
      await page.close();
    } finally {
      await h2.close();
    }
  });
});
