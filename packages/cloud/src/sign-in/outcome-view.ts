/**
 * What the user sees for each outcome: the one place that turns an outcome into a page, a message and a status.
 * Rules: a wrong password and an unknown user read the same; states the directory reveals only after a correct
 * password get their own message; infrastructure failures never read like a wrong password and carry the
 * correlation id; a wrong password re-renders the form and never ends the OIDC interaction.
 */
import { INFRASTRUCTURE_FAILURES, type Outcome } from '@openpta/protocol';

export type OutcomeView =
  | { readonly kind: 'finish' }
  | { readonly kind: 'change_password'; readonly reason: 'password_expired' | 'password_must_change' }
  /** Show the sign-in form again with this alert. */
  | { readonly kind: 'form'; readonly status: number; readonly message: string; readonly withCorrelation: boolean }
  /** Show a page that explains the account state, with a link back to the form. */
  | { readonly kind: 'message'; readonly status: number; readonly title: string; readonly message: string };

export const WRONG_CREDENTIALS_MESSAGE = 'The username or password is incorrect. Check them and try again.';
export const DIRECTORY_UNREACHABLE_MESSAGE =
  "We could not reach your organisation's directory to check your password. Please try again in a moment. " +
  'If this keeps happening, give your help desk the reference below.';

const ACCOUNT_STATES: Partial<Record<Outcome, { title: string; message: string }>> = {
  account_disabled: {
    title: 'Account disabled',
    message: 'Your account is disabled. Contact your help desk to have it enabled.',
  },
  account_expired: {
    title: 'Account expired',
    message: 'Your account has expired. Contact your help desk to have it extended.',
  },
  account_locked: {
    title: 'Account locked',
    message:
      'Your account is locked because of too many failed sign-in attempts. Try again later or contact your help desk.',
  },
  logon_hours: {
    title: 'Sign-in not allowed now',
    message: 'Your account is not allowed to sign in at this time of day. Try again during your permitted hours.',
  },
  workstation_restricted: {
    title: 'Sign-in not allowed from here',
    message: 'Your account is not allowed to sign in from this computer. Contact your help desk.',
  },
};

export function viewForOutcome(outcome: Outcome): OutcomeView {
  if (outcome === 'ok') return { kind: 'finish' };
  if (outcome === 'password_expired' || outcome === 'password_must_change') {
    return { kind: 'change_password', reason: outcome };
  }
  if (outcome === 'invalid_credentials') {
    return { kind: 'form', status: 200, message: WRONG_CREDENTIALS_MESSAGE, withCorrelation: false };
  }
  const state = ACCOUNT_STATES[outcome];
  if (state) return { kind: 'message', status: 403, ...state };
  if (outcome === 'bad_request') {
    return {
      kind: 'form',
      status: 400,
      message:
        'The username or password contains something that cannot be checked. Check what you typed and try again.',
      withCorrelation: false,
    };
  }
  if (INFRASTRUCTURE_FAILURES.has(outcome)) {
    return { kind: 'form', status: 503, message: DIRECTORY_UNREACHABLE_MESSAGE, withCorrelation: true };
  }
  // password_policy (change only) or an outcome added later: fail closed, never as "wrong password".
  return { kind: 'form', status: 503, message: DIRECTORY_UNREACHABLE_MESSAGE, withCorrelation: true };
}
