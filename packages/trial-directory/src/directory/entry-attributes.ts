/**
 * The attributes of each entry, named as AD names them. Computed on every search, so a password change or a
 * lockout shows at once (pwdLastSet, lockoutTime, userAccountControl).
 */
import type { Directory, DirectoryRecord, UserRecord } from './model.ts';

export interface Attribute {
  readonly type: string;
  readonly values: readonly Buffer[];
}

/** Attributes whose values are DNs: compared as DNs in filters. */
export const DN_ATTRIBUTES = new Set(['distinguishedname', 'member', 'memberof', 'objectcategory']);
/** Attributes whose values are binary: compared byte for byte. */
export const BINARY_ATTRIBUTES = new Set(['objectguid', 'objectsid']);

// userAccountControl flags (MS-ADTS 2.2.16).
const UF_ACCOUNTDISABLE = 0x2;
const UF_NORMAL_ACCOUNT = 0x200;
/** accountExpires "never" (MS-ADA1). */
const NEVER = '9223372036854775807';

/**
 * `only` (lower-case names) limits the work to those attributes: a search evaluates its filter on the few it names
 * and builds the full list only for the entries it returns.
 */
export function attributesOf(record: DirectoryRecord, directory: Directory, only?: ReadonlySet<string>): Attribute[] {
  const base = directory.names.baseDn;
  const attrs: Attribute[] = [];
  const add = (type: string, ...values: (string | Buffer | undefined)[]) => {
    if (only && !only.has(type.toLowerCase())) return;
    const present = values.filter((v): v is string | Buffer => v !== undefined);
    if (present.length > 0)
      attrs.push({ type, values: present.map((v) => (typeof v === 'string' ? Buffer.from(v) : v)) });
  };
  switch (record.kind) {
    case 'domain':
      add('objectClass', 'top', 'domain', 'domainDNS');
      add('dc', record.name);
      add('name', record.name);
      add('objectCategory', `CN=Domain-DNS,CN=Schema,CN=Configuration,${base}`);
      break;
    case 'container':
      add('objectClass', 'top', 'container');
      add('cn', record.name);
      add('name', record.name);
      add('objectCategory', `CN=Container,CN=Schema,CN=Configuration,${base}`);
      break;
    case 'group':
      add('objectClass', 'top', 'group');
      add('cn', record.name);
      add('name', record.name);
      add('sAMAccountName', record.name);
      add('description', record.description);
      add('member', ...record.members.map((m) => m.dn));
      add('memberOf', ...record.memberOf.map((g) => g.dn));
      // Global security group (MS-ADTS 2.2.12: GROUP_TYPE_ACCOUNT_GROUP | GROUP_TYPE_SECURITY_ENABLED).
      add('groupType', '-2147483646');
      add('objectCategory', `CN=Group,CN=Schema,CN=Configuration,${base}`);
      break;
    case 'user':
      addUser(record, add, base, only);
      break;
  }
  add('distinguishedName', record.dn);
  add('objectGUID', record.guid);
  add('objectSid', record.sid);
  return attrs;
}

function addUser(
  user: UserRecord,
  add: (type: string, ...values: (string | Buffer | undefined)[]) => void,
  base: string,
  only: ReadonlySet<string> | undefined,
) {
  const wants = (type: string) => !only || only.has(type);
  add('objectClass', 'top', 'person', 'organizationalPerson', 'user');
  add('cn', user.cn);
  add('name', user.cn);
  add('sn', user.sn);
  add('givenName', user.givenName);
  add('displayName', user.displayName);
  add('sAMAccountName', user.sam);
  add('userPrincipalName', user.upn);
  add('mail', user.mail);
  // AD lists only direct memberships in memberOf; nested ones are found with LDAP_MATCHING_RULE_IN_CHAIN.
  add('memberOf', ...user.groups.map((g) => g.dn));
  const disabled = user.state === 'disabled';
  add('userAccountControl', String(UF_NORMAL_ACCOUNT | (disabled ? UF_ACCOUNTDISABLE : 0)));
  // The FILETIME values are computed only when asked for (BigInt arithmetic, on every entry of every search).
  if (wants('pwdlastset')) add('pwdLastSet', user.state === 'mustChange' ? '0' : fileTime(user.pwdLastSet));
  if (wants('accountexpires')) {
    add('accountExpires', user.state === 'accountExpired' ? fileTime(Date.now() - 86_400_000) : NEVER);
  }
  if (wants('lockouttime')) add('lockoutTime', user.state === 'locked' || user.lockedOut ? fileTime(Date.now()) : '0');
  add('badPwdCount', String(user.badPwdCount));
  add('sAMAccountType', '805306368');
  add('objectCategory', `CN=Person,CN=Schema,CN=Configuration,${base}`);
}

/** Windows FILETIME: 100 ns intervals since 1601-01-01, as AD's Integer8 attributes print it. */
function fileTime(ms: number): string {
  return ((BigInt(Math.floor(ms)) + 11_644_473_600_000n) * 10_000n).toString();
}
