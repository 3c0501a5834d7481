/**
 * The sign-in logger: a child of the platform logger with redaction of every password field the sign-in forms
 * carry, in addition to the platform's list (which knows `password` but not the change-password form's names). Sign-in
 * never passes a password to a log call; this is the second line of defence if a future change does.
 */
import type { Logger } from 'pino';
import { REDACT_PATHS } from '../observability/logger.ts';

const FORM_SECRETS = ['password', 'currentPassword', 'newPassword', 'confirmPassword', 'oldPassword', 'csrf'];

export const SIGN_IN_REDACT_PATHS = [
  ...new Set([...REDACT_PATHS, ...FORM_SECRETS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`])]),
];

export function signInLogger(parent: Logger): Logger {
  return parent.child({ component: 'sign-in' }, { redact: { paths: SIGN_IN_REDACT_PATHS, censor: '[redacted]' } });
}
