/**
 * The agent-facing test table that both directories must pass: the real Samba AD test bed and the trial directory.
 * Each case names a user of the shared user set (see users.ts beside this file), the password to bind with, and
 * what Active Directory answers to a simple bind as that user's UPN. The same ldapts client runs the table against
 * both servers, so the trial directory is proven to answer exactly as AD does for everything the agent relies on.
 */
export type BindExpectation =
  | { readonly result: 'success' }
  // LDAP resultCode 49 (invalidCredentials) with the AD sub-code after `data ` in the diagnostic message.
  | { readonly result: 'invalidCredentials'; readonly data: readonly string[] };

export type DirectoryUserKey =
  | 'normal'
  | 'disabled'
  | 'mustChange'
  | 'accountExpired'
  | 'locked'
  | 'passwordExpired'
  | 'logonHours'
  | 'altLogin'
  | 'unicode'
  | 'grouped'
  | 'service';

export interface BindCase {
  readonly name: string;
  readonly user: DirectoryUserKey | 'unknown';
  /** 'right' binds with the user's password, 'wrong' with a wrong one, 'empty' with an empty string. */
  readonly password: 'right' | 'wrong' | 'empty';
  readonly expect: BindExpectation;
}

const wrongPassword = { result: 'invalidCredentials', data: ['52e'] } as const;

export const BIND_CASES: readonly BindCase[] = [
  { name: 'normal user, right password', user: 'normal', password: 'right', expect: { result: 'success' } },
  { name: 'normal user, wrong password', user: 'normal', password: 'wrong', expect: wrongPassword },
  // Samba answers 52e for an unknown user; Windows DCs answer 525. Both mean "bad credentials" to the agent.
  {
    name: 'unknown user',
    user: 'unknown',
    password: 'right',
    expect: { result: 'invalidCredentials', data: ['52e', '525'] },
  },
  {
    name: 'disabled account',
    user: 'disabled',
    password: 'right',
    expect: { result: 'invalidCredentials', data: ['533'] },
  },
  { name: 'disabled account, wrong password', user: 'disabled', password: 'wrong', expect: wrongPassword },
  {
    name: 'must change password',
    user: 'mustChange',
    password: 'right',
    expect: { result: 'invalidCredentials', data: ['773'] },
  },
  {
    name: 'account expired',
    user: 'accountExpired',
    password: 'right',
    expect: { result: 'invalidCredentials', data: ['701'] },
  },
  { name: 'locked out', user: 'locked', password: 'right', expect: { result: 'invalidCredentials', data: ['775'] } },
  {
    name: 'password expired',
    user: 'passwordExpired',
    password: 'right',
    expect: { result: 'invalidCredentials', data: ['532'] },
  },
  {
    name: 'outside logon hours',
    user: 'logonHours',
    password: 'right',
    expect: { result: 'invalidCredentials', data: ['530'] },
  },
  { name: 'alternate login id user, by UPN', user: 'altLogin', password: 'right', expect: { result: 'success' } },
  { name: 'non-ASCII name and password', user: 'unicode', password: 'right', expect: { result: 'success' } },
  { name: 'user in groups', user: 'grouped', password: 'right', expect: { result: 'success' } },
  { name: 'service account', user: 'service', password: 'right', expect: { result: 'success' } },
  // RFC 4513 5.1.2: a simple bind with a name and an empty password is an "unauthenticated bind"; Windows DCs let it
  // succeed (as anonymous) unless dsHeuristics forbids it, so the agent must refuse empty passwords before any bind.
  // Samba 4.17 (measured on the test bed, by UPN, DN and CORP\name alike) answers 52e instead; the table follows
  // the real DC it is checked against.
  {
    name: 'empty password is refused',
    user: 'normal',
    password: 'empty',
    expect: { result: 'invalidCredentials', data: ['52e'] },
  },
];
