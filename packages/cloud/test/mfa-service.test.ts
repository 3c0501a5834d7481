import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { listAuditEvents } from '../src/admin/audit.ts';
import {
  createSecretSeal,
  decideMfa,
  MfaService,
  totpCodeAt,
  verifyWebAuthnRegistration,
  webAuthnRegistrationOptions,
} from '../src/mfa/index.ts';
import { lockoutSettingsSchema, SmartLockout } from '../src/protection/index.ts';
import { SoftAuthenticator } from './mfa-soft-authenticator.ts';
import { onEveryDatabase } from './sign-in-log-databases.ts';

const STEP = 30_000;

onEveryDatabase('MFA service', (database) => {
  async function setup() {
    const { store, tenant, user } = database();
    const tenantId = await tenant();
    const userId = await user(tenantId);
    let now = Date.UTC(2026, 10, 25, 12, 0, 10);
    const clock = { now: () => now, advance: (ms: number) => (now += ms) };
    const mfa = new MfaService({ db: store.db, seal: createSecretSeal(randomBytes(32)), now: clock.now });
    return { store, tenantId, userId, mfa, clock, ref: { tenantId, userId } };
  }

  async function enrolled() {
    const s = await setup();
    const e = await s.mfa.beginTotpEnrolment({ ...s.ref, issuer: 'openpta', accountName: 'alice@contoso.test' });
    const confirmed = await s.mfa.confirmTotpEnrolment({ ...s.ref, code: totpCodeAt(e.secret, s.clock.now()) });
    assert.ok(confirmed.ok);
    // Two steps on, so the step used to confirm is outside the skew window of the tests' codes.
    s.clock.advance(2 * STEP);
    return { ...s, secret: e.secret, recoveryCodes: confirmed.recoveryCodes! };
  }

  it('enrols TOTP: pending until a first code, then confirmed with 10 recovery codes', async () => {
    const { mfa, ref, clock } = await setup();
    assert.equal((await mfa.status(ref)).totp, 'none');
    const e = await mfa.beginTotpEnrolment({ ...ref, issuer: 'openpta', accountName: 'alice@contoso.test' });
    assert.equal((await mfa.status(ref)).totp, 'pending');
    assert.equal(await mfa.isEnrolled(ref), false);
    const wrong = await mfa.confirmTotpEnrolment({ ...ref, code: totpCodeAt(e.secret, clock.now() + 10 * STEP) });
    assert.deepEqual(wrong, { ok: false, reason: 'invalid' });
    const ok = await mfa.confirmTotpEnrolment({ ...ref, code: totpCodeAt(e.secret, clock.now()) });
    assert.ok(ok.ok && ok.recoveryCodes?.length === 10);
    const status = await mfa.status(ref);
    assert.equal(status.totp, 'confirmed');
    assert.equal(status.recoveryCodesLeft, 10);
    assert.equal(await mfa.isEnrolled(ref), true);
    await assert.rejects(mfa.beginTotpEnrolment({ ...ref, issuer: 'x', accountName: 'y' }), {
      code: 'ERR_MFA_ALREADY_ENROLLED',
    });
  });

  it('a pending enrolment expires', async () => {
    const { mfa, ref, clock } = await setup();
    const e = await mfa.beginTotpEnrolment({ ...ref, issuer: 'openpta', accountName: 'a' });
    clock.advance(16 * 60_000);
    await assert.rejects(mfa.confirmTotpEnrolment({ ...ref, code: totpCodeAt(e.secret, clock.now()) }), {
      code: 'ERR_MFA_ENROLMENT_NOT_FOUND',
    });
  });

  it('stores the TOTP secret sealed, never in clear', async () => {
    const { store, mfa, ref } = await setup();
    const e = await mfa.beginTotpEnrolment({ ...ref, issuer: 'openpta', accountName: 'a' });
    const row = await store.db
      .selectFrom('mfa_totp')
      .selectAll()
      .where('user_id', '=', ref.userId)
      .executeTakeFirstOrThrow();
    const dump = JSON.stringify(row);
    for (const form of [
      e.secretBase32,
      Buffer.from(e.secret).toString('base64'),
      Buffer.from(e.secret).toString('hex'),
    ]) {
      assert.ok(!dump.includes(form));
    }
    assert.match(row.secret_sealed, /^m1\./);
  });

  it('verifies codes at sign-in: skew of one step, replay refused, next step accepted', async () => {
    const { mfa, ref, clock, secret } = await enrolled();
    assert.deepEqual(await mfa.verifyTotp({ ...ref, code: totpCodeAt(secret, clock.now() - STEP) }), { ok: true });
    const current = totpCodeAt(secret, clock.now());
    assert.deepEqual(await mfa.verifyTotp({ ...ref, code: current }), { ok: true });
    assert.deepEqual(await mfa.verifyTotp({ ...ref, code: current }), { ok: false, reason: 'replayed' });
    assert.deepEqual(await mfa.verifyTotp({ ...ref, code: totpCodeAt(secret, clock.now() - STEP) }), {
      ok: false,
      reason: 'replayed',
    });
    clock.advance(STEP);
    assert.deepEqual(await mfa.verifyTotp({ ...ref, code: totpCodeAt(secret, clock.now() + STEP) }), { ok: true });
    clock.advance(5 * STEP);
    assert.deepEqual(await mfa.verifyTotp({ ...ref, code: totpCodeAt(secret, clock.now() - 2 * STEP) }), {
      ok: false,
      reason: 'invalid',
    });
  });

  it('two parallel requests with the same code: exactly one succeeds', async () => {
    const { mfa, ref, clock, secret } = await enrolled();
    const code = totpCodeAt(secret, clock.now());
    const results = await Promise.all([mfa.verifyTotp({ ...ref, code }), mfa.verifyTotp({ ...ref, code })]);
    assert.equal(results.filter((r) => r.ok).length, 1);
  });

  it('a user without TOTP is not enrolled', async () => {
    const { mfa, ref } = await setup();
    assert.deepEqual(await mfa.verifyTotp({ ...ref, code: '123456' }), { ok: false, reason: 'not_enrolled' });
  });

  it('recovery codes work once each, in any typing, and only for their user', async () => {
    const { mfa, ref, recoveryCodes, store, tenantId } = await enrolled();
    const [first, second] = recoveryCodes;
    assert.deepEqual(await mfa.useRecoveryCode({ ...ref, code: first!.toLowerCase().replaceAll('-', ' ') }), {
      ok: true,
    });
    assert.deepEqual(await mfa.useRecoveryCode({ ...ref, code: first! }), { ok: false, reason: 'invalid' });
    assert.equal((await mfa.status(ref)).recoveryCodesLeft, 9);
    const otherUser = await database().user(tenantId);
    assert.deepEqual(await mfa.useRecoveryCode({ tenantId, userId: otherUser, code: second! }), {
      ok: false,
      reason: 'invalid',
    });
    assert.deepEqual(await mfa.useRecoveryCode({ ...ref, code: 'nope' }), { ok: false, reason: 'malformed' });
    const rows = await store.db
      .selectFrom('mfa_recovery_codes')
      .selectAll()
      .where('user_id', '=', ref.userId)
      .execute();
    assert.equal(rows.length, 10);
    assert.ok(!JSON.stringify(rows).includes(second!.replaceAll('-', '')), 'stored hashed');
    const fresh = await mfa.regenerateRecoveryCodes(ref);
    assert.deepEqual(
      await mfa.useRecoveryCode({ ...ref, code: second! }),
      { ok: false, reason: 'invalid' },
      'old set gone',
    );
    assert.deepEqual(await mfa.useRecoveryCode({ ...ref, code: fresh[0]! }), { ok: true });
  });

  it('stores WebAuthn credentials and their counter', async () => {
    const { mfa, ref } = await setup();
    const rp = { id: 'login.contoso.test', name: 'openpta', origins: ['https://login.contoso.test'] };
    const authenticator = new SoftAuthenticator();
    const options = await webAuthnRegistrationOptions({ rp, user: { id: ref.userId, name: 'alice' }, existing: [] });
    const credential = await verifyWebAuthnRegistration({
      rp,
      response: authenticator.register({ rpId: rp.id, origin: rp.origins[0]!, challenge: options.challenge }),
      expectedChallenge: options.challenge,
    });
    await mfa.addWebAuthnCredential({ ...ref, credential, name: 'YubiKey' });
    assert.deepEqual(await mfa.listWebAuthnCredentials(ref), [credential]);
    assert.equal(await mfa.isEnrolled(ref), true);
    await mfa.recordWebAuthnUse({ ...ref, credentialId: credential.id, newCounter: 9 });
    assert.equal((await mfa.listWebAuthnCredentials(ref))[0]?.counter, 9);
    assert.equal((await mfa.status(ref)).webauthn[0]?.name, 'YubiKey');
  });

  it('an admin reset removes every factor and is audited in the same transaction', async () => {
    const { mfa, ref, store, secret, clock } = await enrolled();
    const authenticator = new SoftAuthenticator();
    const rp = { id: 'login.contoso.test', name: 'openpta', origins: ['https://login.contoso.test'] };
    const options = await webAuthnRegistrationOptions({ rp, user: { id: ref.userId, name: 'alice' }, existing: [] });
    const credential = await verifyWebAuthnRegistration({
      rp,
      response: authenticator.register({ rpId: rp.id, origin: rp.origins[0]!, challenge: options.challenge }),
      expectedChallenge: options.challenge,
    });
    await mfa.addWebAuthnCredential({ ...ref, credential, name: 'key' });
    const removed = await mfa.resetUserMfa({ ...ref, actor: 'admin-token:abc', reason: 'lost phone' });
    assert.deepEqual(removed, { totp: true, webauthn: 1, recoveryCodes: 10 });
    assert.deepEqual(await mfa.status(ref), { totp: 'none', webauthn: [], recoveryCodesLeft: 0 });
    assert.deepEqual(await mfa.verifyTotp({ ...ref, code: totpCodeAt(secret, clock.now()) }), {
      ok: false,
      reason: 'not_enrolled',
    });
    const events = (await listAuditEvents(store.db, 1000)).filter((e) => e.target === `user:${ref.userId}`);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.action, 'user.mfa.reset');
    assert.equal(events[0]?.actor, 'admin-token:abc');
    assert.deepEqual(events[0]?.details, { tenantId: ref.tenantId, removed, reason: 'lost phone' });
  });

  it('decides what follows an accepted password', async () => {
    const { mfa, ref, clock } = await setup();
    const vpn = ['CN=VPN Users,OU=Groups,DC=contoso,DC=test'];
    assert.deepEqual(await decideMfa(mfa, ref, { mode: 'off' }, vpn), { kind: 'none' });
    assert.deepEqual(await decideMfa(mfa, ref, { mode: 'required' }, []), { kind: 'enrol' });
    assert.deepEqual(await decideMfa(mfa, ref, { mode: 'groups', groups: ['VPN Users'] }, vpn), { kind: 'enrol' });
    assert.deepEqual(await decideMfa(mfa, ref, { mode: 'groups', groups: ['Admins'] }, vpn), { kind: 'none' });
    const e = await mfa.beginTotpEnrolment({ ...ref, issuer: 'openpta', accountName: 'a' });
    assert.deepEqual(await decideMfa(mfa, ref, { mode: 'required' }, []), { kind: 'enrol' }, 'pending is not enrolled');
    assert.ok((await mfa.confirmTotpEnrolment({ ...ref, code: totpCodeAt(e.secret, clock.now()) })).ok);
    assert.deepEqual(await decideMfa(mfa, ref, { mode: 'off' }, []), {
      kind: 'verify',
      methods: ['totp', 'recovery_code'],
    });
  });

  it('MFA failures lock the MFA counter (wiring: lockout around the service)', async () => {
    const { mfa, ref, clock, secret } = await enrolled();
    const lockout = new SmartLockout({ now: clock.now });
    const settings = lockoutSettingsSchema.parse({ threshold: 3 });
    const subject = { tenantId: ref.tenantId, username: 'alice@contoso.test', settings };
    for (let i = 0; i < 3; i++) {
      const attempt = await lockout.beginMfa(subject);
      assert.equal(attempt.locked, false);
      if (!attempt.locked) {
        const check = await mfa.verifyTotp({ ...ref, code: '000000' });
        await attempt.finish({ ok: check.ok });
      }
    }
    const blocked = await lockout.beginMfa(subject);
    assert.ok(blocked.locked, 'even the right code is not checked while locked');
    clock.advance(60_000);
    const attempt = await lockout.beginMfa(subject);
    assert.equal(attempt.locked, false);
    if (!attempt.locked) {
      const check = await mfa.verifyTotp({ ...ref, code: totpCodeAt(secret, clock.now()) });
      assert.ok(check.ok);
      await attempt.finish({ ok: true });
    }
  });
});
