import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { TOTP, URI } from 'otpauth';
import { amrFor } from '../src/mfa/amr.ts';
import { mfaRequired } from '../src/mfa/policy.ts';
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from '../src/mfa/recovery-codes.ts';
import { createSecretSeal } from '../src/mfa/secret-seal.ts';
import { checkTotpCode, createTotpEnrolment, TOTP_PARAMETERS, totpCodeAt } from '../src/mfa/totp.ts';
import {
  type RelyingParty,
  verifyWebAuthnAssertion,
  verifyWebAuthnRegistration,
  webAuthnAuthenticationOptions,
  webAuthnRegistrationOptions,
} from '../src/mfa/webauthn.ts';
import { ProtectionError } from '../src/protection/errors.ts';
import { SoftAuthenticator } from './mfa-soft-authenticator.ts';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const STEP_MS = 30_000;

describe('TOTP (RFC 6238)', () => {
  it('enrolment gives a secret, an otpauth URI that an app can read, and a QR code', async () => {
    const e = await createTotpEnrolment({ issuer: 'openpta (Contoso)', accountName: 'alice@contoso.test' });
    assert.equal(e.secret.length, 20, '160-bit secret');
    assert.match(e.secretBase32, /^[A-Z2-7]{32}$/);
    assert.match(e.uri, /^otpauth:\/\/totp\//);
    const parsed = URI.parse(e.uri);
    assert.ok(parsed instanceof TOTP);
    assert.equal(parsed.secret.base32, e.secretBase32);
    assert.equal(parsed.digits, 6);
    assert.equal(parsed.period, 30);
    assert.equal(parsed.issuer, 'openpta (Contoso)');
    assert.match(e.qrSvg, /^<svg[\s\S]*<\/svg>\s*$/);
    assert.match(e.qrDataUrl, /^data:image\/png;base64,/);
  });

  it('accepts the current code, and the codes one step either side (clock skew)', () => {
    const secret = randomBytes(20);
    for (const offset of [-1, 0, 1]) {
      const code = totpCodeAt(secret, T0 + offset * STEP_MS);
      const r = checkTotpCode({ secret, code, now: T0, lastUsedStep: null });
      assert.ok(r.ok, `offset ${offset}`);
      assert.equal(r.step, Math.floor(T0 / STEP_MS) + offset);
    }
  });

  it('works with a secret held in a pooled Buffer (as read back from the store)', () => {
    const bytes = randomBytes(20);
    // Buffer.from(string) allocates from Node's shared pool: its .buffer is larger than the secret.
    const pooled = Buffer.from(bytes.toString('hex'), 'hex');
    assert.ok(pooled.buffer.byteLength > 20);
    const code = totpCodeAt(bytes, T0);
    assert.ok(checkTotpCode({ secret: pooled, code, now: T0, lastUsedStep: null }).ok);
    assert.equal(totpCodeAt(pooled, T0), code);
  });

  it('refuses codes two steps away', () => {
    const secret = randomBytes(20);
    for (const offset of [-2, 2, 10]) {
      const code = totpCodeAt(secret, T0 + offset * STEP_MS);
      assert.deepEqual(checkTotpCode({ secret, code, now: T0, lastUsedStep: null }), { ok: false, reason: 'invalid' });
    }
  });

  it('refuses a replayed code, and any code from an earlier step, but accepts the next step', () => {
    const secret = randomBytes(20);
    const code = totpCodeAt(secret, T0);
    const first = checkTotpCode({ secret, code, now: T0, lastUsedStep: null });
    assert.ok(first.ok);
    assert.deepEqual(checkTotpCode({ secret, code, now: T0 + 5000, lastUsedStep: first.step }), {
      ok: false,
      reason: 'replayed',
    });
    const older = totpCodeAt(secret, T0 - STEP_MS);
    assert.deepEqual(checkTotpCode({ secret, code: older, now: T0, lastUsedStep: first.step }), {
      ok: false,
      reason: 'replayed',
    });
    const next = totpCodeAt(secret, T0 + STEP_MS);
    assert.ok(checkTotpCode({ secret, code: next, now: T0 + STEP_MS, lastUsedStep: first.step }).ok);
  });

  it('refuses a wrong secret and malformed input', () => {
    const secret = randomBytes(20);
    const other = totpCodeAt(randomBytes(20), T0);
    const r = checkTotpCode({ secret, code: other, now: T0, lastUsedStep: null });
    // A random secret's code matches one of three windows by chance with probability 3e-6: accept that.
    if (!r.ok) assert.equal(r.reason, 'invalid');
    for (const code of ['', '12345', '1234567', 'abcdef', '12 34 5x']) {
      assert.deepEqual(checkTotpCode({ secret, code, now: T0, lastUsedStep: null }), {
        ok: false,
        reason: 'malformed',
      });
    }
    const spaced = totpCodeAt(secret, T0).replace(/^(\d{3})/, '$1 ');
    assert.ok(checkTotpCode({ secret, code: spaced, now: T0, lastUsedStep: null }).ok, 'a space in the middle is fine');
  });

  it('uses the parameters every authenticator app supports', () => {
    assert.deepEqual(TOTP_PARAMETERS, { algorithm: 'SHA1', digits: 6, period: 30, window: 1 });
  });
});

describe('secret seal (AES-256-GCM, key derived from the data key)', () => {
  const owner = { tenantId: 't1', userId: 'u1' };
  it('round-trips and never contains the plaintext', () => {
    const seal = createSecretSeal(randomBytes(32));
    const secret = Buffer.from('CANARY-totp-secret-0123456789');
    const sealed = seal.seal(secret, owner);
    assert.ok(!sealed.includes(secret.toString('base64url')) && !sealed.includes(secret.toString('hex')));
    assert.deepEqual(seal.open(sealed, owner), secret);
    assert.notEqual(seal.seal(secret, owner), sealed, 'a fresh IV each time');
  });

  it('does not open for another user, another key, or after tampering', () => {
    const key = randomBytes(32);
    const sealed = createSecretSeal(key).seal(Buffer.from('s'), owner);
    const fails = (f: () => unknown) =>
      assert.throws(f, (e) => e instanceof ProtectionError && e.code === 'ERR_MFA_SECRET_UNREADABLE');
    fails(() => createSecretSeal(key).open(sealed, { tenantId: 't1', userId: 'u2' }));
    fails(() => createSecretSeal(key).open(sealed, { tenantId: 't2', userId: 'u1' }));
    fails(() => createSecretSeal(randomBytes(32)).open(sealed, owner));
    const parts = sealed.split('.');
    parts[2] = Buffer.from('x').toString('base64url');
    fails(() => createSecretSeal(key).open(parts.join('.'), owner));
    fails(() => createSecretSeal(key).open('garbage', owner));
  });

  it('refuses a key of the wrong size', () => {
    assert.throws(() => createSecretSeal(randomBytes(16)), { code: 'ERR_MFA_KEY_INVALID' });
  });
});

describe('recovery codes', () => {
  it('generates 10 distinct, well-formed codes', () => {
    const codes = generateRecoveryCodes();
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, /^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$/);
  });

  it('normalizes what users type and refuses what cannot be a code', () => {
    const [code] = generateRecoveryCodes(1);
    const plain = code!.replaceAll('-', '');
    assert.equal(normalizeRecoveryCode(code!.toLowerCase().replaceAll('-', ' ')), plain);
    for (const bad of ['', 'AAAA-AAAA', `${plain}A`, 'OOOO-OOOO-OOOO-OOOO', '1111-1111-1111-1111']) {
      assert.equal(normalizeRecoveryCode(bad), null, bad);
    }
  });

  it('hashes per user', () => {
    assert.notEqual(hashRecoveryCode('u1', 'ABCDABCDABCDABCD'), hashRecoveryCode('u2', 'ABCDABCDABCDABCD'));
    assert.equal(hashRecoveryCode('u1', 'ABCDABCDABCDABCD'), hashRecoveryCode('u1', 'ABCDABCDABCDABCD'));
  });
});

describe('MFA policy', () => {
  const groups = ['CN=VPN Users,OU=Groups,DC=contoso,DC=test', 'CN=Domain Users,CN=Users,DC=contoso,DC=test'];
  const cases: [string, Parameters<typeof mfaRequired>[0], readonly string[] | undefined, boolean][] = [
    ['off', { mode: 'off' }, groups, false],
    ['required', { mode: 'required' }, [], true],
    ['required without groups known', { mode: 'required' }, undefined, true],
    ['group by CN', { mode: 'groups', groups: ['VPN Users'] }, groups, true],
    ['group by CN, other case', { mode: 'groups', groups: ['vpn users'] }, groups, true],
    ['group by DN', { mode: 'groups', groups: ['cn=vpn users,ou=groups,dc=contoso,dc=test'] }, groups, true],
    ['not a member', { mode: 'groups', groups: ['Admins'] }, groups, false],
    ['groups unknown', { mode: 'groups', groups: ['Admins'] }, undefined, false],
    ['plain group names', { mode: 'groups', groups: ['Admins'] }, ['admins'], true],
    ['escaped comma in CN', { mode: 'groups', groups: ['Sales, EMEA'] }, ['CN=Sales\\, EMEA,DC=x'], true],
    ['prefix is not a match', { mode: 'groups', groups: ['VPN'] }, groups, false],
  ];
  for (const [name, policy, userGroups, expected] of cases) {
    it(name, () => assert.equal(mfaRequired(policy, userGroups), expected));
  }
});

describe('amr (RFC 8176)', () => {
  it('names the methods used', () => {
    assert.deepEqual(amrFor(null), ['pwd']);
    assert.deepEqual(amrFor({ method: 'totp' }), ['pwd', 'otp', 'mfa']);
    assert.deepEqual(amrFor({ method: 'recovery_code' }), ['pwd', 'otp', 'mfa']);
    assert.deepEqual(amrFor({ method: 'webauthn', deviceBound: true }), ['pwd', 'hwk', 'mfa']);
    assert.deepEqual(amrFor({ method: 'webauthn', deviceBound: false }), ['pwd', 'swk', 'mfa']);
  });
});

describe('WebAuthn second factor', () => {
  const rp: RelyingParty = { id: 'login.contoso.test', name: 'openpta', origins: ['https://login.contoso.test'] };
  const origin = rp.origins[0]!;
  const user = { id: 'user-123', name: 'alice@contoso.test' };

  async function registered(authenticator = new SoftAuthenticator()) {
    const options = await webAuthnRegistrationOptions({ rp, user, existing: [] });
    const response = authenticator.register({ rpId: rp.id, origin, challenge: options.challenge });
    const credential = await verifyWebAuthnRegistration({ rp, response, expectedChallenge: options.challenge });
    return { authenticator, credential };
  }

  it('registration options name the RP and user, ask for no attestation, and exclude known keys', async () => {
    const { credential } = await registered();
    const options = await webAuthnRegistrationOptions({ rp, user, existing: [credential] });
    assert.equal(options.rp.id, rp.id);
    assert.equal(options.user.name, user.name);
    assert.equal(Buffer.from(options.user.id, 'base64url').toString(), user.id);
    assert.equal(options.attestation, 'none');
    assert.deepEqual(
      options.excludeCredentials?.map((c) => c.id),
      [credential.id],
    );
    assert.ok(options.challenge.length >= 32);
  });

  it('registers a key and verifies an assertion from it (hardware-bound: hwk)', async () => {
    const { authenticator, credential } = await registered();
    assert.equal(credential.id, authenticator.id);
    assert.equal(credential.deviceType, 'singleDevice');
    const options = await webAuthnAuthenticationOptions({ rp, credentials: [credential] });
    assert.deepEqual(
      options.allowCredentials?.map((c) => c.id),
      [credential.id],
    );
    const response = authenticator.assert({ rpId: rp.id, origin, challenge: options.challenge });
    const check = await verifyWebAuthnAssertion({
      rp,
      response,
      expectedChallenge: options.challenge,
      credentials: [credential],
    });
    assert.deepEqual(check, { ok: true, credentialId: credential.id, newCounter: 2, deviceBound: true });
  });

  it('a synced passkey is reported as not device-bound (swk)', async () => {
    const { authenticator, credential } = await registered(new SoftAuthenticator({ synced: true }));
    assert.equal(credential.deviceType, 'multiDevice');
    const options = await webAuthnAuthenticationOptions({ rp, credentials: [credential] });
    const response = authenticator.assert({ rpId: rp.id, origin, challenge: options.challenge });
    const check = await verifyWebAuthnAssertion({
      rp,
      response,
      expectedChallenge: options.challenge,
      credentials: [credential],
    });
    assert.ok(check.ok && !check.deviceBound);
  });

  it('refuses a registration answering another challenge or from another origin', async () => {
    const options = await webAuthnRegistrationOptions({ rp, user, existing: [] });
    const a = new SoftAuthenticator();
    for (const response of [
      a.register({ rpId: rp.id, origin, challenge: 'c3RhbGUtY2hhbGxlbmdl' }),
      a.register({ rpId: rp.id, origin: 'https://evil.test', challenge: options.challenge }),
      a.register({ rpId: 'evil.test', origin, challenge: options.challenge }),
    ]) {
      await assert.rejects(verifyWebAuthnRegistration({ rp, response, expectedChallenge: options.challenge }), {
        code: 'ERR_WEBAUTHN_VERIFICATION_FAILED',
      });
    }
  });

  it('refuses assertions: wrong challenge, wrong origin, another user key, replayed counter', async () => {
    const { authenticator, credential } = await registered();
    const options = await webAuthnAuthenticationOptions({ rp, credentials: [credential] });
    const verify = (response: ReturnType<SoftAuthenticator['assert']>, creds = [credential]) =>
      verifyWebAuthnAssertion({ rp, response, expectedChallenge: options.challenge, credentials: creds });
    assert.deepEqual(await verify(authenticator.assert({ rpId: rp.id, origin, challenge: 'b3RoZXI' })), {
      ok: false,
      reason: 'invalid',
    });
    assert.deepEqual(
      await verify(authenticator.assert({ rpId: rp.id, origin: 'https://evil.test', challenge: options.challenge })),
      { ok: false, reason: 'invalid' },
    );
    const stranger = new SoftAuthenticator();
    assert.deepEqual(await verify(stranger.assert({ rpId: rp.id, origin, challenge: options.challenge })), {
      ok: false,
      reason: 'unknown_credential',
    });
    const used = { ...credential, counter: 10 };
    assert.deepEqual(
      await verify(authenticator.assert({ rpId: rp.id, origin, challenge: options.challenge, counter: 5 }), [used]),
      { ok: false, reason: 'invalid' },
      'a counter that went backwards means a cloned key',
    );
  });
});
