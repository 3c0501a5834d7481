/**
 * Administrator operations on a running test bed DC over LDAPS: groups, users in any account state, lockouts.
 * LDAP rather than samba-tool because each samba-tool call pays about a second of Python start-up.
 */
import type { ConnectionOptions } from 'node:tls';
import { Attribute, Change, Client, InvalidCredentialsError } from 'ldapts';
import { adSubCode } from './bind-table.ts';
import { ADMIN_PASSWORD, ADMIN_UPN } from './constants.ts';
import { TestbedError } from './errors.ts';
import { type AccountState, type DirectoryGroup, groupDn, LOCKOUT_THRESHOLD, WRONG_PASSWORD } from './users.ts';

/** userAccountControl flags (MS-ADTS 2.2.16). */
const NORMAL_ACCOUNT = 0x200;
const ACCOUNTDISABLE = 0x2;

/** accountExpires is a FILETIME: 100 ns ticks since 1601-01-01 UTC. 2020-01-01 is safely in the past. */
const EXPIRED_AT = ((BigInt(Date.UTC(2020, 0, 1)) / 1000n + 11_644_473_600n) * 10_000_000n).toString();

export interface NewUser {
  readonly sam: string;
  readonly upn: string;
  readonly dn: string;
  readonly password: string;
  readonly displayName: string;
  readonly givenName: string;
  readonly sn: string;
  readonly mail?: string;
  readonly description: string;
  /** 'locked' and 'passwordExpired' are reached after creation (lockUser; faketime in template/user-factory). */
  readonly state: Exclude<AccountState, 'locked' | 'passwordExpired'>;
}

/** AD takes a new password as the quoted string in UTF-16LE (MS-ADTS 3.1.1.3.1.5.1). */
export function encodePassword(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

export class DirectoryAdmin {
  readonly #client: Client;

  private constructor(client: Client) {
    this.#client = client;
  }

  static async connect(url: string, tlsOptions: ConnectionOptions): Promise<DirectoryAdmin> {
    const client = new Client({ url, tlsOptions, timeout: 15_000, connectTimeout: 5_000 });
    try {
      await client.bind(ADMIN_UPN, ADMIN_PASSWORD);
    } catch (error) {
      await client.unbind().catch(() => undefined);
      throw error;
    }
    return new DirectoryAdmin(client);
  }

  async addGroup(group: DirectoryGroup): Promise<void> {
    await this.#client.add(groupDn(group.name), {
      objectClass: ['top', 'group'],
      sAMAccountName: group.name,
      description: group.description,
    });
  }

  async addMember(groupName: string, memberDn: string): Promise<void> {
    await this.#client.modify(
      groupDn(groupName),
      new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [memberDn] }) }),
    );
  }

  async addUser(user: NewUser): Promise<void> {
    const attrs: Attribute[] = [
      new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
      new Attribute({ type: 'sAMAccountName', values: [user.sam] }),
      new Attribute({ type: 'userPrincipalName', values: [user.upn] }),
      new Attribute({ type: 'displayName', values: [user.displayName] }),
      new Attribute({ type: 'givenName', values: [user.givenName] }),
      new Attribute({ type: 'sn', values: [user.sn] }),
      new Attribute({ type: 'description', values: [user.description] }),
      new Attribute({ type: 'unicodePwd', values: [encodePassword(user.password)] }),
      new Attribute({
        type: 'userAccountControl',
        values: [String(NORMAL_ACCOUNT | (user.state === 'disabled' ? ACCOUNTDISABLE : 0))],
      }),
    ];
    if (user.mail !== undefined) attrs.push(new Attribute({ type: 'mail', values: [user.mail] }));
    // pwdLastSet 0 is "must change at next logon" (bind gives 773).
    if (user.state === 'mustChange') attrs.push(new Attribute({ type: 'pwdLastSet', values: ['0'] }));
    if (user.state === 'accountExpired') attrs.push(new Attribute({ type: 'accountExpires', values: [EXPIRED_AT] }));
    // 21 zero bytes: no hour of the week allowed (bind gives 530).
    if (user.state === 'logonHours') attrs.push(new Attribute({ type: 'logonHours', values: [Buffer.alloc(21)] }));
    await this.#client.add(user.dn, attrs);
  }

  /** Sets plain string attributes (used for users created by samba-tool). */
  async replace(dn: string, values: Readonly<Record<string, string>>): Promise<void> {
    const changes = Object.entries(values).map(
      ([type, value]) => new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) }),
    );
    if (changes.length > 0) await this.#client.modify(dn, changes);
  }

  async close(): Promise<void> {
    await this.#client.unbind().catch(() => undefined);
  }
}

/**
 * Locks an account the way an attacker would: LOCKOUT_THRESHOLD wrong binds. Then proves it with a right-password
 * bind, which AD answers with data 775 once the account is locked.
 */
export async function lockUser(
  url: string,
  tlsOptions: ConnectionOptions,
  upn: string,
  password: string,
): Promise<void> {
  const client = new Client({ url, tlsOptions, timeout: 15_000, connectTimeout: 5_000 });
  try {
    for (let i = 0; i < LOCKOUT_THRESHOLD; i++) {
      await client.bind(upn, WRONG_PASSWORD).then(
        () => {
          throw new TestbedError('TESTBED_COMMAND_FAILED', `bind as ${upn} with the wrong password succeeded`);
        },
        (error: unknown) => {
          if (!(error instanceof InvalidCredentialsError)) throw error;
        },
      );
    }
    const code = await client.bind(upn, password).then(
      () => 'success',
      (error: unknown) => (error instanceof InvalidCredentialsError ? adSubCode(error.message) : String(error)),
    );
    if (code !== '775') {
      throw new TestbedError('TESTBED_COMMAND_FAILED', `${upn} is not locked after ${LOCKOUT_THRESHOLD} wrong binds`);
    }
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
