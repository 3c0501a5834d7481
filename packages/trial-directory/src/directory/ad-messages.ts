/**
 * The diagnostic messages AD and Samba put in LDAP results. Clients (and openpta's agent) read the `data` sub-code of
 * a failed bind, so these follow AD's format exactly. Sources: /work/shared/reference/active-directory.md and
 * Samba's source4/dsdb/samdb/ldb_modules/password_hash.c for the password-change texts.
 */

/** AD's bind sub-codes after `data ` (hex, lowercase as AD prints them). */
export const BIND_DATA = {
  wrongPassword: '52e',
  logonHours: '530',
  workstation: '531',
  passwordExpired: '532',
  disabled: '533',
  accountExpired: '701',
  mustChange: '773',
  locked: '775',
} as const;

export type BindDataCode = (typeof BIND_DATA)[keyof typeof BIND_DATA];

export function bindFailureMessage(data: BindDataCode): string {
  return `80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data ${data}, v4563`;
}

/** Samba's answer (result 8) to a simple bind with a password on an unencrypted connection. */
export const TRANSPORT_ENCRYPTION_REQUIRED = 'BindSimple: Transport encryption required.';

/** AD's answer (operationsError) to a search or modify on a connection that has not bound as a user. */
export const BIND_REQUIRED =
  '000004DC: LdapErr: DSID-0C090A5C, comment: In order to perform this operation a successful bind must be completed on the connection., data 0, v4563';

/** AD's answer (unwillingToPerform) to a password change without an encrypted connection, or in a malformed form. */
export const WILL_NOT_PERFORM = '0000001F: SvcErr: DSID-031A126C, problem 5003 (WILL_NOT_PERFORM), data 0';

/** AD's answer (insufficientAccessRights) when an ordinary account writes an attribute it may not write. */
export const INSUFFICIENT_ACCESS = '00002098: SecErr: DSID-03150F94, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0';

export function noSuchObjectMessage(bestMatch: string): string {
  return `0000208D: NameErr: DSID-0310028C, problem 2001 (NO_OBJECT), data 0, best match of:\n\t'${bestMatch}'\n`;
}

/** constraintViolation texts of a password change (Samba's check_password_restrictions). */
export const PASSWORD_CHANGE = {
  wrongOldPassword:
    "00000056: Constraint violation - check_password_restrictions: The old password specified doesn't match!",
  tooShort: (min: number) =>
    `0000052D: Constraint violation - check_password_restrictions: the password is too short. It should be equal to or longer than ${min} characters!`,
  notComplex:
    '0000052D: Constraint violation - check_password_restrictions: the password does not meet the complexity criteria!',
  inHistory:
    '0000052D: Constraint violation - check_password_restrictions: the password was already used (in history)!',
  // Not measured on a real DC: a locked-out account cannot change its password until unlocked.
  lockedOut: '00000775: Constraint violation - check_password_restrictions: the account is locked out!',
} as const;
