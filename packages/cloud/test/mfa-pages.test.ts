import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTotpEnrolment, generateRecoveryCodes } from '../src/mfa/index.ts';
import { mfaChallengePage, recoveryCodesPage, totpEnrolPage } from '../src/mfa/pages/index.ts';

const base = {
  tenantDisplayName: 'Contoso <Ltd> & "Co"',
  action: '/signin/contoso/uid1/mfa',
  abortAction: '/signin/contoso/uid1/abort',
  csrfToken: 'tok"en',
};

function assertSafe(page: string) {
  assert.doesNotMatch(page, /<script/i, 'no script (the sign-in CSP forbids it)');
  assert.ok(page.includes('Contoso &lt;Ltd&gt; &amp; &quot;Co&quot;'), 'tenant name escaped');
  assert.ok(page.includes('value="tok&quot;en"'), 'csrf token escaped in the attribute');
  assert.ok(!page.includes('Contoso <Ltd>'));
}

describe('MFA pages', () => {
  it('challenge: an app code by default, with one-time-code autofill and a recovery-code link', () => {
    const page = mfaChallengePage({
      ...base,
      methods: ['totp', 'recovery_code'],
      recoveryHref: '/signin/contoso/uid1?recovery=1',
    });
    assertSafe(page);
    assert.match(page, /name="method" value="totp"/);
    assert.match(page, /autocomplete="one-time-code"/);
    assert.match(page, /inputmode="numeric"/);
    assert.match(page, /href="\/signin\/contoso\/uid1\?recovery=1">Use a recovery code instead/);
  });

  it('challenge: the recovery-code form when asked, or when the app is not enrolled; no link without codes', () => {
    const recovery = mfaChallengePage({ ...base, methods: ['totp', 'recovery_code'], useRecoveryCode: true });
    assert.match(recovery, /name="method" value="recovery_code"/);
    assert.doesNotMatch(recovery, /one-time-code/);
    const noCodes = mfaChallengePage({ ...base, methods: ['totp'], recoveryHref: '/x' });
    assert.doesNotMatch(noCodes, /Use a recovery code/);
  });

  it('challenge: shows the alert with its reference', () => {
    const page = mfaChallengePage({
      ...base,
      methods: ['totp'],
      alert: { message: 'That code is not right.', correlationId: 'corr-1' },
    });
    assert.match(page, /role="alert"[\s\S]*That code is not right\.[\s\S]*corr-1/);
  });

  it('enrolment: the QR code inline as SVG, the key grouped, the URI escaped, the first-code form', async () => {
    const e = await createTotpEnrolment({ issuer: 'openpta & Contoso', accountName: 'alice@contoso.test' });
    const page = totpEnrolPage({ ...base, qrSvg: e.qrSvg, secretBase32: e.secretBase32, uri: e.uri });
    assertSafe(page);
    assert.ok(page.includes(e.qrSvg.trim().slice(0, 60)), 'inline SVG (no data: image: the CSP allows none)');
    assert.doesNotMatch(page, /data:image/);
    assert.ok(page.includes(e.secretBase32.match(/.{4}/g)!.join(' ')));
    assert.ok(page.includes(`href="${e.uri.replaceAll('&', '&amp;')}"`));
    assert.match(page, /name="otp"[^>]*autocomplete="one-time-code"[^>]*inputmode="numeric"/);
  });

  it('enrolment: refuses anything but the generated SVG for the QR slot', () => {
    for (const qrSvg of ['<img src=x onerror=alert(1)>', 'data:image/png;base64,xx', '']) {
      assert.throws(() => totpEnrolPage({ ...base, qrSvg, secretBase32: 'AAAA', uri: 'otpauth://totp/x' }));
    }
  });

  it('recovery codes: every code listed once, with a continue form', () => {
    const codes = generateRecoveryCodes();
    const page = recoveryCodesPage({
      tenantDisplayName: base.tenantDisplayName,
      codes,
      continueAction: '/c',
      csrfToken: 't',
    });
    for (const code of codes) assert.equal(page.split(code).length - 1, 1, code);
    assert.match(page, /<form method="post" action="\/c">/);
    assert.doesNotMatch(page, /<script/i);
  });
});
