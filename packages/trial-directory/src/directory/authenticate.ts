/**
 * A simple bind with AD's semantics (see /work/shared/reference/active-directory.md):
 * - empty name and password: anonymous bind, succeeds (RFC 4513 5.1.1);
 * - a name with an empty password: unauthenticated bind (RFC 4513 5.1.2): 52e like Samba, or anonymous success
 *   like Windows, per policy.unauthenticatedBind;
 * - a password without TLS: strongerAuthRequired (8), checked before the credentials, as Samba does;
 * - unknown user or wrong password: invalidCredentials with data 52e (Samba's answer for both);
 * - right password: the account state's sub-code (533, 773, 701, 775, 532, 530, 531), else success.
 * A wrong password never reveals the account state.
 */

import type { ResultCode } from '../ldap/index.ts';
import { RESULT } from '../ldap/index.ts';
import type { BindDataCode } from './ad-messages.ts';
import { BIND_DATA, bindFailureMessage, TRANSPORT_ENCRYPTION_REQUIRED } from './ad-messages.ts';
import type { Directory, UserRecord } from './model.ts';
import type { DirectoryPolicy } from './policy.ts';
import { passwordsEqual } from './secret-compare.ts';

export type BindOutcome =
  | { readonly ok: true; readonly user: UserRecord | undefined }
  | { readonly ok: false; readonly code: ResultCode; readonly message: string; readonly data?: BindDataCode };

const STATE_DATA: Partial<Record<UserRecord['state'], BindDataCode>> = {
  disabled: BIND_DATA.disabled,
  locked: BIND_DATA.locked,
  accountExpired: BIND_DATA.accountExpired,
  logonHours: BIND_DATA.logonHours,
  workstation: BIND_DATA.workstation,
  mustChange: BIND_DATA.mustChange,
  passwordExpired: BIND_DATA.passwordExpired,
};

export function authenticateSimple(
  directory: Directory,
  policy: DirectoryPolicy,
  name: string,
  password: Buffer,
  secure: boolean,
): BindOutcome {
  if (password.length === 0) {
    if (name === '' || policy.unauthenticatedBind === 'anonymous') return { ok: true, user: undefined };
    return invalid(BIND_DATA.wrongPassword);
  }
  if (!secure && !policy.allowPlainBind) {
    return { ok: false, code: RESULT.strongerAuthRequired, message: TRANSPORT_ENCRYPTION_REQUIRED };
  }
  const user = directory.findUserForBind(name);
  if (!user || !passwordsEqual(password.toString('utf8'), user.password)) {
    if (user) recordBadPassword(user, policy);
    return invalid(BIND_DATA.wrongPassword);
  }
  const data = user.lockedOut ? BIND_DATA.locked : STATE_DATA[user.state];
  if (data) return invalid(data);
  user.badPwdCount = 0;
  return { ok: true, user };
}

/** Counts a wrong password and locks the account at the threshold (AD's lockout policy). */
export function recordBadPassword(user: UserRecord, policy: DirectoryPolicy): void {
  user.badPwdCount += 1;
  if (policy.lockoutThreshold > 0 && user.badPwdCount >= policy.lockoutThreshold) user.lockedOut = true;
}

function invalid(data: BindDataCode): BindOutcome {
  return { ok: false, code: RESULT.invalidCredentials, message: bindFailureMessage(data), data };
}
