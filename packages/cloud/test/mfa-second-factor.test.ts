import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import {
  createSecretSeal,
  MfaService,
  type RelyingParty,
  secretSealFromDataKeyFile,
  totpCodeAt,
  verifySecondFactor,
  verifyWebAuthnRegistration,
  webAuthnAuthenticationOptions,
  webAuthnRegistrationOptions,
} from '../src/mfa/index.ts';
import { lockoutSettingsSchema, SmartLockout } from '../src/protection/index.ts';
import { SoftAuthenticator } from './mfa-soft-authenticator.ts';
import { onEveryDatabase } from './sign-in-log-databases.ts';

const STEP = 30_000;
const rp: RelyingParty = { id: 'login.contoso.test', name: 'openpta', origins: ['https://login.contoso.test'] };

onEveryDatabase('second-factor step (lockout + factor + amr)', (database) => {
  async function setup() {
    const { store, tenant, user } = database();
    const tenantId = await tenant();
    const userId = await user(tenantId);
    let now = Date.UTC(2026, 10, 25, 9, 0, 5);
    const clock = { now: () => now, advance: (ms: number) => (now += ms) };
    const mfa = new MfaService({ db: store.db, seal: createSecretSeal(Buffer.alloc(32, 1)), now: clock.now });
    const lockout = new SmartLockout({ now: clock.now });
    const ref = { tenantId, userId };
    const e = await mfa.beginTotpEnrolment({ ...ref, issuer: 'openpta', accountName: 'alice' });
    const confirmed = await mfa.confirmTotpEnrolment({ ...ref, code: totpCodeAt(e.secret, clock.now()) });
    assert.ok(confirmed.ok);
    clock.advance(2 * STEP);
    const settings = lockoutSettingsSchema.parse({ threshold: 3, durationSeconds: 60 });
    const step = (factor: Parameters<typeof verifySecondFactor>[1]['factor']) =>
      verifySecondFactor({ mfa, lockout }, { ...ref, username: 'alice@contoso.test', settings, factor });
    return { mfa, lockout, ref, clock, secret: e.secret, recoveryCodes: confirmed.recoveryCodes!, step };
  }

  it('a right TOTP code passes with amr pwd+otp', async () => {
    const { step, secret, clock } = await setup();
    assert.deepEqual(await step({ method: 'totp', code: totpCodeAt(secret, clock.now()) }), {
      ok: true,
      method: 'totp',
      amr: ['pwd', 'otp', 'mfa'],
    });
  });

  it('wrong and replayed codes count; at the threshold even the right code is refused until the lockout ends', async () => {
    const { step, secret, clock } = await setup();
    const good = totpCodeAt(secret, clock.now());
    assert.ok((await step({ method: 'totp', code: good })).ok);
    assert.deepEqual(await step({ method: 'totp', code: good }), {
      ok: false,
      method: 'totp',
      locked: false,
      reason: 'replayed',
    });
    const wrong = totpCodeAt(secret, clock.now() + 20 * STEP);
    assert.deepEqual(await step({ method: 'totp', code: wrong }), {
      ok: false,
      method: 'totp',
      locked: false,
      reason: 'invalid',
    });
    assert.deepEqual(await step({ method: 'totp', code: '999999' === wrong ? '888888' : '999999' }), {
      ok: false,
      method: 'totp',
      locked: true,
      retryAfterSeconds: 60,
    });
    clock.advance(STEP);
    assert.deepEqual(await step({ method: 'totp', code: totpCodeAt(secret, clock.now()) }), {
      ok: false,
      method: 'totp',
      locked: true,
      retryAfterSeconds: 30,
    });
    clock.advance(STEP);
    assert.ok((await step({ method: 'totp', code: totpCodeAt(secret, clock.now()) })).ok);
  });

  it('malformed input does not count', async () => {
    const { step, secret, clock } = await setup();
    for (let i = 0; i < 10; i++) {
      assert.deepEqual(await step({ method: 'totp', code: 'abc' }), {
        ok: false,
        method: 'totp',
        locked: false,
        reason: 'malformed',
      });
    }
    assert.ok((await step({ method: 'totp', code: totpCodeAt(secret, clock.now()) })).ok);
  });

  it('a recovery code passes once (amr otp)', async () => {
    const { step, recoveryCodes } = await setup();
    assert.deepEqual(await step({ method: 'recovery_code', code: recoveryCodes[3]! }), {
      ok: true,
      method: 'recovery_code',
      amr: ['pwd', 'otp', 'mfa'],
    });
    assert.deepEqual(await step({ method: 'recovery_code', code: recoveryCodes[3]! }), {
      ok: false,
      method: 'recovery_code',
      locked: false,
      reason: 'invalid',
    });
  });

  it('a security key passes (amr hwk) and its counter is stored; none registered is not_enrolled', async () => {
    const { step, mfa, ref } = await setup();
    const options = await webAuthnAuthenticationOptions({ rp, credentials: [] });
    const key = new SoftAuthenticator();
    assert.deepEqual(
      await step({
        method: 'webauthn',
        rp,
        expectedChallenge: options.challenge,
        response: key.assert({ rpId: rp.id, origin: rp.origins[0]!, challenge: options.challenge }),
      }),
      { ok: false, method: 'webauthn', locked: false, reason: 'not_enrolled' },
    );
    const reg = await webAuthnRegistrationOptions({ rp, user: { id: ref.userId, name: 'alice' }, existing: [] });
    const credential = await verifyWebAuthnRegistration({
      rp,
      response: key.register({ rpId: rp.id, origin: rp.origins[0]!, challenge: reg.challenge }),
      expectedChallenge: reg.challenge,
    });
    await mfa.addWebAuthnCredential({ ...ref, credential, name: 'key' });
    const auth = await webAuthnAuthenticationOptions({ rp, credentials: await mfa.listWebAuthnCredentials(ref) });
    const response = key.assert({ rpId: rp.id, origin: rp.origins[0]!, challenge: auth.challenge });
    assert.deepEqual(await step({ method: 'webauthn', rp, expectedChallenge: auth.challenge, response }), {
      ok: true,
      method: 'webauthn',
      amr: ['pwd', 'hwk', 'mfa'],
    });
    // The soft key signed three times (the refused assertion, the registration, this one).
    assert.equal((await mfa.listWebAuthnCredentials(ref))[0]?.counter, 3);
    const replay = await step({ method: 'webauthn', rp, expectedChallenge: auth.challenge, response });
    assert.ok(!replay.ok && !replay.locked && replay.reason === 'invalid', 'the same assertion (same counter) again');
  });
});

it('the seal is keyed from the data key file, created 0600 on first use and stable after', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openpta-seal-'));
  try {
    const file = join(dir, 'keys', 'data.key');
    const owner = { tenantId: 't', userId: 'u' };
    const sealed = secretSealFromDataKeyFile(file).seal(Buffer.from('secret'), owner);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(secretSealFromDataKeyFile(file).open(sealed, owner).toString(), 'secret');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
