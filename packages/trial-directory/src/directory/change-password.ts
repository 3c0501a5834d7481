/**
 * Password CHANGE through a modify of unicodePwd (MS-ADTS 3.1.1.3.1.5.2): one delete of the old value and one add of
 * the new one, each the password in double quotes encoded as UTF-16LE. The caller has already checked that the
 * connection is bound and encrypted. Failures are constraintViolation (19) with Samba's texts.
 */

import type { Modification, ResultCode } from '../ldap/index.ts';
import { RESULT } from '../ldap/index.ts';
import { PASSWORD_CHANGE, WILL_NOT_PERFORM } from './ad-messages.ts';
import { recordBadPassword } from './authenticate.ts';
import type { UserRecord } from './model.ts';
import type { DirectoryPolicy, PasswordPolicy } from './policy.ts';
import { passwordsEqual } from './secret-compare.ts';

export type ChangeOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: ResultCode; readonly message: string };

/** True when the modify only touches unicodePwd with delete/add: the shape of a password change. */
export function isPasswordChange(changes: readonly Modification[]): boolean {
  return (
    changes.length === 2 &&
    changes.every((c) => c.type.toLowerCase() === 'unicodepwd') &&
    changes[0]?.operation === 'delete' &&
    changes[1]?.operation === 'add'
  );
}

export function changePassword(
  user: UserRecord,
  changes: readonly Modification[],
  policy: DirectoryPolicy,
): ChangeOutcome {
  const [remove, add] = changes;
  const oldValue = remove?.values.length === 1 ? decodeQuotedUtf16(remove.values[0]) : undefined;
  const newValue = add?.values.length === 1 ? decodeQuotedUtf16(add.values[0]) : undefined;
  if (oldValue === undefined || newValue === undefined) {
    return { ok: false, code: RESULT.unwillingToPerform, message: WILL_NOT_PERFORM };
  }
  if (user.lockedOut || user.state === 'locked') {
    return { ok: false, code: RESULT.constraintViolation, message: PASSWORD_CHANGE.lockedOut };
  }
  if (!passwordsEqual(oldValue, user.password)) {
    recordBadPassword(user, policy);
    return { ok: false, code: RESULT.constraintViolation, message: PASSWORD_CHANGE.wrongOldPassword };
  }
  const refused = checkPolicy(user, newValue, policy.passwordPolicy);
  if (refused) return { ok: false, code: RESULT.constraintViolation, message: refused };
  user.history = [user.password, ...user.history].slice(0, Math.max(0, policy.passwordPolicy.historyLength - 1));
  user.password = newValue;
  user.pwdLastSet = Date.now();
  user.badPwdCount = 0;
  if (user.state === 'mustChange' || user.state === 'passwordExpired') user.state = 'normal';
  return { ok: true };
}

/** `"secret"` as UTF-16LE -> `secret`; undefined when the value is not in that form. */
export function decodeQuotedUtf16(value: Buffer | undefined): string | undefined {
  if (!value || value.length < 4 || value.length % 2 !== 0) return undefined;
  const text = value.toString('utf16le');
  if (!text.startsWith('"') || !text.endsWith('"')) return undefined;
  return text.slice(1, -1);
}

function checkPolicy(user: UserRecord, password: string, policy: PasswordPolicy): string | undefined {
  if ([...password].length < policy.minLength) return PASSWORD_CHANGE.tooShort(policy.minLength);
  if (policy.complexity && !isComplex(password, user)) return PASSWORD_CHANGE.notComplex;
  if (policy.historyLength > 0) {
    const recent = [user.password, ...user.history].slice(0, policy.historyLength);
    if (recent.some((old) => passwordsEqual(old, password))) return PASSWORD_CHANGE.inHistory;
  }
  return undefined;
}

/**
 * AD's complexity rule: must not contain the sAMAccountName (when longer than 2 characters), and must use three
 * of: upper case, lower case, digits, other characters (letters without case count as their own category).
 */
function isComplex(password: string, user: UserRecord): boolean {
  if (user.sam.length > 2 && password.toLowerCase().includes(user.sam.toLowerCase())) return false;
  let categories = 0;
  if (/\p{Lu}/u.test(password)) categories++;
  if (/\p{Ll}/u.test(password)) categories++;
  if (/\p{Nd}/u.test(password)) categories++;
  if (/[^\p{L}\p{Nd}]/u.test(password)) categories++;
  if (/[\p{Lo}\p{Lm}]/u.test(password)) categories++;
  return categories >= 3;
}
