/**
 * The canonical directory content: one domain, a few groups and one user per account state the agent must tell
 * apart. Both directories provision exactly this data: the Samba AD test bed (scripts/testbed/) and the trial
 * directory (packages/trial-directory). Keep it data only (no I/O) so either side can import it.
 */
import type { DirectoryUserKey } from './directory-cases.ts';

export const DOMAIN = {
  /** DNS name of the AD domain; also the UPN suffix. */
  dnsName: 'corp.example.test',
  realm: 'CORP.EXAMPLE.TEST',
  netbios: 'CORP',
  baseDn: 'DC=corp,DC=example,DC=test',
  /** Container the users and groups live in (AD's default for new accounts). */
  usersDn: 'CN=Users,DC=corp,DC=example,DC=test',
  dcHostName: 'dc1',
  /** The name the DC's TLS certificate is issued to: connect with this as the TLS servername. */
  dcFqdn: 'dc1.corp.example.test',
} as const;

/**
 * AD account lockout threshold (badPwdCount that locks the account). Cloud-side smart lockout must trip first so a
 * password spray from the internet cannot lock the on-prem account (Microsoft's guidance: the AD threshold at least
 * two to three times the cloud's, which defaults to 10). So the cloud locks after 10, AD after 20.
 */
export const LOCKOUT_THRESHOLD = 20;
/** Minutes an AD lockout lasts and the window badPwdCount is counted in; longer than any test run. */
export const LOCKOUT_MINUTES = 60;

/** A password no user has; a bind with it gives 52e. */
export const WRONG_PASSWORD = 'Not-The-Password-0';
/** A UPN no account has (Samba answers 52e, Windows 525). */
export const UNKNOWN_UPN = 'nobody@corp.example.test';

export type AccountState =
  | 'enabled'
  | 'disabled'
  | 'mustChange'
  | 'accountExpired'
  | 'locked'
  | 'passwordExpired'
  | 'logonHours';

export interface DirectoryGroup {
  /** cn and sAMAccountName. */
  readonly name: string;
  readonly description: string;
  /** Groups this group is a direct member of (nesting). */
  readonly memberOf: readonly string[];
}

export interface DirectoryUser {
  readonly key: DirectoryUserKey;
  /** sAMAccountName (the `CORP\sam` down-level logon name); at most 20 characters. */
  readonly sam: string;
  readonly upn: string;
  readonly password: string;
  readonly state: AccountState;
  /** Also the cn of the user's DN (see userDn). */
  readonly displayName: string;
  readonly givenName: string;
  readonly sn: string;
  readonly mail?: string;
  /** Direct group memberships (names from GROUPS). */
  readonly groups: readonly string[];
  readonly description: string;
}

export const GROUPS: readonly DirectoryGroup[] = [
  { name: 'All Staff', description: 'Everyone; has Engineering nested inside', memberOf: [] },
  { name: 'Engineering', description: 'Engineers; a member of All Staff', memberOf: ['All Staff'] },
  { name: 'VPN Users', description: 'May use the VPN', memberOf: [] },
];

function user(
  key: DirectoryUserKey,
  sam: string,
  password: string,
  state: AccountState,
  givenName: string,
  sn: string,
  description: string,
  extra: { mail?: string; groups?: readonly string[] } = {},
): DirectoryUser {
  return {
    key,
    sam,
    upn: `${sam}@${DOMAIN.dnsName}`,
    password,
    state,
    displayName: `${givenName} ${sn}`,
    givenName,
    sn,
    mail: extra.mail ?? `${sam}@${DOMAIN.dnsName}`,
    groups: extra.groups ?? [],
    description,
  };
}

export const USERS: Readonly<Record<DirectoryUserKey, DirectoryUser>> = {
  normal: user('normal', 'alice', 'Alice-Pass-1', 'enabled', 'Alice', 'Anders', 'An ordinary enabled account'),
  disabled: user('disabled', 'dave', 'Dave-Pass-1', 'disabled', 'Dave', 'Disabled', 'Disabled account (533)'),
  mustChange: user('mustChange', 'mia', 'Mia-Pass-1', 'mustChange', 'Mia', 'Mustchange', 'Must change (773)'),
  accountExpired: user('accountExpired', 'eve', 'Eve-Pass-1', 'accountExpired', 'Eve', 'Expired', 'Expired (701)'),
  locked: user('locked', 'larry', 'Larry-Pass-1', 'locked', 'Larry', 'Locked', 'Locked out (775)'),
  passwordExpired: user('passwordExpired', 'pete', 'Pete-Pass-1', 'passwordExpired', 'Pete', 'Pwdexpired', '532'),
  logonHours: user('logonHours', 'hank', 'Hank-Pass-1', 'logonHours', 'Hank', 'Hours', 'No logon hours (530)'),
  // Alternate login ID: mail differs from the UPN, so a sign-in by mail must be mapped to the UPN before the bind.
  altLogin: user('altLogin', 'alex', 'Alex-Pass-1', 'enabled', 'Alex', 'Alternate', 'mail differs from UPN', {
    mail: 'alt.person@mail.example.test',
  }),
  unicode: user('unicode', 'jürgen.müller', 'Pässwörd-Ω-1', 'enabled', 'Jürgen', 'Müller', 'Non-ASCII name/password'),
  grouped: user('grouped', 'grace', 'Grace-Pass-1', 'enabled', 'Grace', 'Grouped', 'In groups, one nested', {
    groups: ['Engineering', 'VPN Users'],
  }),
  service: user('service', 'svc-openpta', 'Service-Pass-1-Long', 'enabled', 'openpta', 'Service', 'Search account'),
};

export function userDn(u: Pick<DirectoryUser, 'displayName'>): string {
  return `CN=${u.displayName},${DOMAIN.usersDn}`;
}

export function groupDn(name: string): string {
  return `CN=${name},${DOMAIN.usersDn}`;
}

/** All groups a group name reaches through nesting, itself included (what tokenGroups would list). */
export function expandGroups(direct: readonly string[]): string[] {
  const out = new Set<string>();
  const visit = (name: string): void => {
    if (out.has(name)) return;
    out.add(name);
    for (const parent of GROUPS.find((g) => g.name === name)?.memberOf ?? []) visit(parent);
  };
  for (const name of direct) visit(name);
  return [...out].sort();
}
