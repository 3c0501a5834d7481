/**
 * changePassword() for users whose bind says password_must_change (773) or password_expired (532): a unicodePwd
 * delete/add over TLS on the service-account connection. Wrong old password -> invalid_credentials, a refused new
 * password -> password_policy, and after a change the new password validates.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AdTestbed, adTestbed } from '../../../scripts/testbed/index.ts';
import type { DirectoryValidator } from '../src/index.ts';
import { adConfig, counter, USER_BINDS, validatorFor } from './support/ad.ts';

let ad: AdTestbed;
let v: DirectoryValidator;
before(async () => {
  ad = await adTestbed();
  v = validatorFor(ad, adConfig(ad));
});
after(() => v.close());

for (const [state, outcome] of [
  ['mustChange', 'password_must_change'],
  ['passwordExpired', 'password_expired'],
] as const) {
  test(`${state}: change the password, then the new one validates`, async () => {
    const u = await ad.createUser({ state, prefix: 'chg' });
    assert.equal((await v.validate(u.upn, u.password)).outcome, outcome);
    const before = await counter(v, USER_BINDS);
    assert.equal((await v.changePassword(u.upn, ad.wrongPassword, 'Brand-New-Pass-7')).outcome, 'invalid_credentials');
    assert.equal(await counter(v, USER_BINDS), before + 1, 'one credential check per change attempt');
    const changed = await v.changePassword(u.upn, u.password, 'Brand-New-Pass-7');
    assert.equal(changed.outcome, 'ok');
    assert.equal(changed.dc, `ldaps://${new URL(ad.ldapsUrl).host}`);
    const after = await v.validate(u.upn, 'Brand-New-Pass-7');
    assert.equal(after.outcome, 'ok');
    assert.equal(after.attributes!.upn, u.upn);
  });
}

test('a new password the policy refuses (reuse) -> password_policy', async () => {
  const u = await ad.createUser({ state: 'mustChange', prefix: 'pol' });
  const r = await v.changePassword(u.upn, u.password, u.password);
  assert.equal(r.outcome, 'password_policy');
  // The account is untouched: still must-change with the old password.
  assert.equal((await v.validate(u.upn, u.password)).outcome, 'password_must_change');
});

test('bad input is refused before any network call', async () => {
  const before = await counter(v, USER_BINDS);
  assert.equal((await v.changePassword(ad.users.normal.upn, 'old-pass-1', '')).outcome, 'bad_request');
  assert.equal((await v.changePassword(ad.users.normal.upn, '', 'New-Pass-1')).outcome, 'bad_request');
  assert.equal((await v.changePassword(ad.users.normal.upn, 'old', 'New\u0000Pass')).outcome, 'bad_request');
  assert.equal(await counter(v, USER_BINDS), before);
});

test('an unknown user -> invalid_credentials', async () => {
  assert.equal((await v.changePassword(ad.unknownUpn, 'Old-Pass-1', 'New-Pass-12')).outcome, 'invalid_credentials');
});

test('without a service account password change is a directory_error (configuration), not a credential answer', async () => {
  const w = validatorFor(ad, adConfig(ad, { serviceAccount: undefined }));
  try {
    const u = ad.users.mustChange;
    assert.equal((await w.changePassword(u.upn, u.password, 'Other-Pass-9')).outcome, 'directory_error');
  } finally {
    await w.close();
  }
});
