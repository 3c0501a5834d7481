/**
 * The in-memory directory: the domain object, the CN=Users container, users and groups, keyed by normalised DN.
 * Users and groups live in CN=Users, as in a freshly provisioned AD. Mutable state (password, lockout) lives on the
 * user records, so changes are visible to every connection at once.
 */

import { escapeDnValue, normalizeDn, parentKey } from './dn.ts';
import { derivedGuid, guidToBytes } from './guid.ts';
import { SidAllocator, sidToBytes } from './sid.ts';
import type { AccountState, UsersFile } from './users-schema.ts';

interface RecordBase {
  readonly dn: string;
  readonly key: string;
  readonly parentKey: string;
  readonly guid: Buffer;
  /** objectSid (binary): the domain SID on the domain, an account SID on users and groups; none on containers. */
  readonly sid: Buffer | undefined;
}

export interface UserRecord extends RecordBase {
  readonly kind: 'user';
  readonly cn: string;
  readonly sam: string;
  readonly upn: string;
  readonly mail: string | undefined;
  readonly displayName: string;
  readonly givenName: string | undefined;
  readonly sn: string | undefined;
  readonly groups: GroupRecord[];
  state: AccountState;
  password: string;
  /** Earlier passwords, newest first, for the history rule of a password change. */
  history: string[];
  badPwdCount: number;
  /** Set by the lockout threshold at run time (the `locked` state is the configured one). */
  lockedOut: boolean;
  pwdLastSet: number;
}

export interface GroupRecord extends RecordBase {
  readonly kind: 'group';
  readonly name: string;
  readonly description: string | undefined;
  readonly memberOf: GroupRecord[];
  readonly members: (UserRecord | GroupRecord)[];
}

export interface ContainerRecord extends RecordBase {
  readonly kind: 'domain' | 'container';
  readonly name: string;
}

export type DirectoryRecord = UserRecord | GroupRecord | ContainerRecord;

export interface DirectoryNames {
  /** e.g. DC=corp,DC=example,DC=test */
  readonly baseDn: string;
  /** S-1-5-21-a-b-c: the prefix of every user's and group's SID. */
  readonly domainSid: string;
  /** NetBIOS domain name for DOMAIN\user binds, e.g. CORP */
  readonly netbiosDomain: string;
  /** DNS domain derived from the DC= components, e.g. corp.example.test */
  readonly dnsDomain: string;
}

export class Directory {
  readonly names: DirectoryNames;
  readonly entries = new Map<string, DirectoryRecord>();
  readonly users: UserRecord[] = [];

  constructor(file: UsersFile, names: DirectoryNames) {
    this.names = names;
    const usersDn = `CN=Users,${names.baseDn}`;
    const explicitSids = [...file.users, ...file.groups].flatMap((e) => (e.objectSid ? [e.objectSid] : []));
    const sids = new SidAllocator(names.domainSid, explicitSids);
    this.#add({
      kind: 'domain',
      name: names.dnsDomain.split('.')[0] ?? '',
      ...base(names.baseDn, 'domain', undefined, sidToBytes(names.domainSid)),
    });
    this.#add({ kind: 'container', name: 'Users', ...base(usersDn, 'container:Users') });

    const groups = new Map<string, GroupRecord>();
    const groupNamed = (name: string, description?: string, guid?: string, sid?: string): GroupRecord => {
      let group = groups.get(name.toLowerCase());
      if (!group) {
        const seed = `group:${name.toLowerCase()}`;
        group = {
          kind: 'group',
          name,
          description,
          memberOf: [],
          members: [],
          ...base(`CN=${escapeDnValue(name)},${usersDn}`, seed, guid, sids.sidFor(seed, sid)),
        };
        groups.set(name.toLowerCase(), group);
      }
      return group;
    };
    for (const g of file.groups) groupNamed(g.name, g.description, g.objectGUID, g.objectSid);
    for (const g of file.groups) {
      const group = groupNamed(g.name);
      for (const parentName of g.groups) link(group, groupNamed(parentName));
    }
    for (const u of file.users) {
      const cn = u.cn ?? u.displayName;
      const seed = `user:${u.sAMAccountName.toLowerCase()}`;
      const user: UserRecord = {
        kind: 'user',
        cn,
        sam: u.sAMAccountName,
        upn: u.userPrincipalName ?? `${u.sAMAccountName}@${names.dnsDomain}`,
        mail: u.mail,
        displayName: u.displayName,
        givenName: u.givenName,
        sn: u.sn,
        groups: [],
        state: u.state,
        password: u.password,
        history: [],
        badPwdCount: 0,
        lockedOut: false,
        pwdLastSet: Date.now(),
        ...base(`CN=${escapeDnValue(cn)},${usersDn}`, seed, u.objectGUID, sids.sidFor(seed, u.objectSid)),
      };
      for (const name of u.groups) {
        const group = groupNamed(name);
        user.groups.push(group);
        group.members.push(user);
      }
      this.users.push(user);
      this.#add(user);
    }
    for (const group of groups.values()) this.#add(group);
  }

  /**
   * Users whose userPrincipalName or mail equals `value` (case-insensitive, as the filter's equality match compares
   * them), in directory order: the index a search by login name uses instead of looking at every entry. Neither
   * attribute changes after loading, and no other kind of entry has them.
   */
  usersWith(attribute: 'userprincipalname' | 'mail', value: string): readonly UserRecord[] {
    if (!this.#index) {
      this.#index = new Map();
      for (const u of this.users) {
        for (const [name, v] of [
          ['userprincipalname', u.upn],
          ['mail', u.mail],
        ] as const) {
          if (v === undefined) continue;
          const key = `${name}\0${v.toLowerCase()}`;
          const list = this.#index.get(key) ?? [];
          list.push(u);
          this.#index.set(key, list);
        }
      }
    }
    return this.#index.get(`${attribute}\0${value.toLowerCase()}`) ?? [];
  }

  #index: Map<string, UserRecord[]> | undefined;

  get(dnKey: string): DirectoryRecord | undefined {
    return this.entries.get(dnKey);
  }

  /**
   * Finds the user a simple bind names: a UPN (explicit, or the implicit sAMAccountName@dnsDomain), a DN, or
   * DOMAIN\sAMAccountName with the NetBIOS or DNS domain name, all case-insensitive as in AD.
   */
  findUserForBind(name: string): UserRecord | undefined {
    const lower = name.toLowerCase();
    const backslash = lower.indexOf('\\');
    if (backslash > 0 && !lower.includes('=')) {
      const domain = lower.slice(0, backslash);
      const sam = lower.slice(backslash + 1);
      if (domain !== this.names.netbiosDomain.toLowerCase() && domain !== this.names.dnsDomain.toLowerCase()) {
        return undefined;
      }
      return this.users.find((u) => u.sam.toLowerCase() === sam);
    }
    if (lower.includes('@') && !lower.includes('=')) {
      const byUpn = this.users.find((u) => u.upn.toLowerCase() === lower);
      if (byUpn) return byUpn;
      const [sam, domain] = lower.split('@');
      if (domain === this.names.dnsDomain.toLowerCase()) return this.users.find((u) => u.sam.toLowerCase() === sam);
      return undefined;
    }
    const key = normalizeDn(name);
    const record = key === undefined ? undefined : this.entries.get(key);
    return record?.kind === 'user' ? record : undefined;
  }

  /** Every group the record is a member of, directly or through nested groups (cycles are tolerated). */
  transitiveGroups(record: UserRecord | GroupRecord): Set<GroupRecord> {
    const found = new Set<GroupRecord>();
    const pending = [...(record.kind === 'user' ? record.groups : record.memberOf)];
    for (let group = pending.pop(); group; group = pending.pop()) {
      if (found.has(group)) continue;
      found.add(group);
      pending.push(...group.memberOf);
    }
    return found;
  }

  #add(record: DirectoryRecord): void {
    this.entries.set(record.key, record);
  }
}

function link(child: GroupRecord, parent: GroupRecord): void {
  if (!child.memberOf.includes(parent)) {
    child.memberOf.push(parent);
    parent.members.push(child);
  }
}

function base(dn: string, seed: string, guid?: string, sid?: Buffer): RecordBase {
  const key = normalizeDn(dn);
  const parent = parentKey(dn);
  if (key === undefined || parent === undefined) throw new Error(`internal: built an invalid DN ${dn}`);
  return { dn, key, parentKey: parent, guid: guid ? guidToBytes(guid) : derivedGuid(seed), sid };
}

/** `DC=corp,DC=example,DC=test` -> `corp.example.test`; undefined when the base DN has no DC components. */
export function dnsDomainOf(baseDn: string): string | undefined {
  const labels = baseDn
    .split(',')
    .map((part) => part.trim())
    .filter((part) => /^dc=/i.test(part))
    .map((part) => part.slice(3));
  return labels.length > 0 ? labels.join('.') : undefined;
}
