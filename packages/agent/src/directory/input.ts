/**
 * Checks a sign-in attempt's username and password before anything touches the network, and decides how the username
 * reaches the directory. Every refusal here becomes `bad_request`; no bind is ever sent for refused input (an empty
 * password would be an unauthenticated bind that SUCCEEDS, RFC 4513 5.1.2).
 *
 * Unicode: the username is normalised to NFC, so the same name typed on different keyboards matches one directory
 * value. The password is passed on exactly as received: AD hashes the UTF-16 code units the user set, and
 * normalising them would lock out anyone whose password was set in another normal form.
 */
import type { LoginConfig } from '../config/schema.ts';

/** Longest accepted username, in code points (AD's userPrincipalName allows 1024; real ones stay far below). */
export const MAX_USERNAME_LENGTH = 256;
/** Longest accepted password, in code points (AD's own limit for unicodePwd is 256 characters). */
export const MAX_PASSWORD_LENGTH = 256;

/** How a username reaches the directory. */
export type LoginTarget =
  /** Bind with the name as typed (UPN or DOMAIN\user); attributes are looked up by `lookup` afterwards. */
  | { readonly kind: 'direct'; readonly bindName: string; readonly lookup: AttributeMatch }
  /** Find the one entry whose attribute matches (service account), then bind as its DN. */
  | { readonly kind: 'search'; readonly matches: readonly AttributeMatch[] };

export interface AttributeMatch {
  readonly attribute: string;
  readonly value: string;
}

export type InputCheck =
  | { readonly ok: true; readonly username: string; readonly target: LoginTarget }
  | { readonly ok: false; readonly reason: string };

// C0 controls, DEL and C1 controls (includes NUL).
const CONTROL_CHARACTERS = /\p{Cc}/u;

function codePoints(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

export function checkText(label: string, value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return `${label} must be a string`;
  if (value.length === 0) return `${label} is empty`;
  // Cheap bound first (a code point is at most two UTF-16 units), so megabytes of input cost nothing.
  if (value.length > max * 2) return `${label} is longer than ${max} characters`;
  if (!value.isWellFormed()) return `${label} is not well-formed Unicode (lone surrogate)`;
  if (CONTROL_CHARACTERS.test(value)) return `${label} contains a control character`;
  if (codePoints(value) > max) return `${label} is longer than ${max} characters`;
  return undefined;
}

/** Refuses bad input and classifies the username by the configured login forms. */
export function checkInput(rawUsername: unknown, password: unknown, login: LoginConfig): InputCheck {
  const passwordProblem = checkText('password', password, MAX_PASSWORD_LENGTH);
  if (passwordProblem) return { ok: false, reason: passwordProblem };
  const usernameProblem = checkText('username', rawUsername, MAX_USERNAME_LENGTH);
  if (usernameProblem) return { ok: false, reason: usernameProblem };
  const username = (rawUsername as string).normalize('NFC').trim();
  if (username.length === 0) return { ok: false, reason: 'username is empty' };
  if (/\s/u.test(username) && !login.allowSpaces) return { ok: false, reason: 'username contains white space' };
  const target = classify(username, login);
  if (typeof target === 'string') return { ok: false, reason: target };
  return { ok: true, username, target };
}

function classify(username: string, login: LoginConfig): LoginTarget | string {
  const backslash = username.indexOf('\\');
  if (backslash !== -1) {
    const domain = username.slice(0, backslash);
    const account = username.slice(backslash + 1);
    if (login.downLevelDomains.length === 0) return 'DOMAIN\\user names are not enabled (login.downLevelDomains)';
    if (!domain || !account || account.includes('\\')) return 'username is not of the form DOMAIN\\user';
    const known = login.downLevelDomains.some((d) => d.toUpperCase() === domain.toUpperCase());
    if (!known) return 'username names a domain this agent does not serve';
    return {
      kind: 'direct',
      bindName: `${domain}\\${account}`,
      lookup: { attribute: 'sAMAccountName', value: account },
    };
  }
  const attributes = login.attributes;
  if (attributes.length === 1 && attributes[0] === 'userPrincipalName') {
    const at = username.lastIndexOf('@');
    if (at <= 0 || at === username.length - 1) return 'username is not a user principal name (user@domain)';
    const suffix = username.slice(at + 1).toLowerCase();
    if (login.upnSuffixes.length > 0 && !login.upnSuffixes.some((s) => s.toLowerCase() === suffix)) {
      return 'username has a UPN suffix this agent does not serve';
    }
    return { kind: 'direct', bindName: username, lookup: { attribute: 'userPrincipalName', value: username } };
  }
  return { kind: 'search', matches: attributes.map((attribute) => ({ attribute, value: username })) };
}
