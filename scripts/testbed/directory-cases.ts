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

/**
 * The root DSE's constructed `tokenGroups`: the SIDs of the connection's security token, which the agent's verified
 * attribute cache compares with the user's objectSid after a successful bind (packages/agent/src/directory/
 * bound-token.ts). Expected SIDs are named, not spelled out, so the same table holds on any domain: the subject's own
 * objectSid, a RID of the domain (513 is Domain Users, every user's primary group), a group of users.ts GROUPS by
 * name, or a well-known SID.
 */
export type TokenSid =
  | { readonly self: true }
  | { readonly domainRid: number }
  | { readonly group: string }
  | { readonly wellKnown: string };

/** Who reads the root DSE: a user of the shared set after binding, after an anonymous bind, or without any bind. */
export type TokenSubject = DirectoryUserKey | 'anonymousBind' | 'notBound';

export interface TokenCase {
  readonly name: string;
  readonly subject: TokenSubject;
  /** The attribute list of the base search on "". */
  readonly attributes: readonly string[];
  /**
   * `absent`: no tokenGroups in the entry. Otherwise `first` in this order at the start, then exactly `rest` in any
   * order (Samba lists the groups depth first along memberOf; the agent compares tokens as sets).
   */
  readonly expect: 'absent' | { readonly first: readonly TokenSid[]; readonly rest: readonly TokenSid[] };
}

/** Every network logon of a user has these after its own SID, its primary group and its groups. */
const USER_WELL_KNOWN: readonly TokenSid[] = [
  { wellKnown: 'S-1-1-0' }, // Everyone
  { wellKnown: 'S-1-5-2' }, // Network
  { wellKnown: 'S-1-5-11' }, // Authenticated Users
  { wellKnown: 'S-1-5-32-545' }, // BUILTIN\Users
  { wellKnown: 'S-1-5-32-554' }, // BUILTIN\Pre-Windows 2000 Compatible Access
];
const SELF_THEN_DOMAIN_USERS: readonly TokenSid[] = [{ self: true }, { domainRid: 513 }];
const GRACE_GROUPS: readonly TokenSid[] = [{ group: 'Engineering' }, { group: 'All Staff' }, { group: 'VPN Users' }];

// Measured on the Samba 4.17 test bed; the trial directory answers the same.
export const TOKEN_CASES: readonly TokenCase[] = [
  {
    name: 'user without groups: own SID, Domain Users, well-known SIDs',
    subject: 'normal',
    attributes: ['tokenGroups'],
    expect: { first: SELF_THEN_DOMAIN_USERS, rest: USER_WELL_KNOWN },
  },
  {
    name: 'user in groups: direct and nested security groups too',
    subject: 'grouped',
    attributes: ['tokenGroups'],
    expect: { first: SELF_THEN_DOMAIN_USERS, rest: [...GRACE_GROUPS, ...USER_WELL_KNOWN] },
  },
  {
    name: 'named next to `*`: given',
    subject: 'grouped',
    attributes: ['*', 'tokenGroups'],
    expect: { first: SELF_THEN_DOMAIN_USERS, rest: [...GRACE_GROUPS, ...USER_WELL_KNOWN] },
  },
  { name: 'constructed: not part of `*`', subject: 'grouped', attributes: ['*'], expect: 'absent' },
  { name: 'constructed: not part of an empty list', subject: 'grouped', attributes: [], expect: 'absent' },
  {
    name: 'after an anonymous bind: Anonymous Logon, Everyone, Network',
    subject: 'anonymousBind',
    attributes: ['tokenGroups'],
    expect: { first: [{ wellKnown: 'S-1-5-7' }], rest: [{ wellKnown: 'S-1-1-0' }, { wellKnown: 'S-1-5-2' }] },
  },
  {
    name: 'without any bind: Anonymous Logon only',
    subject: 'notBound',
    attributes: ['tokenGroups'],
    expect: { first: [{ wellKnown: 'S-1-5-7' }], rest: [] },
  },
];
