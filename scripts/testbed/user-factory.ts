/** Fresh users per test, for tests that lock an account or change its password (they would spoil the shared ones). */
import { randomBytes } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { createAccount } from './accounts.ts';
import { DirectoryAdmin } from './directory-admin.ts';
import { type AccountState, DOMAIN } from './users.ts';

export interface CreateUserOptions {
  /** Default 'enabled'. 'locked' does LOCKOUT_THRESHOLD wrong binds; 'passwordExpired' takes about two seconds. */
  readonly state?: AccountState;
  /** Default: a random one. */
  readonly password?: string;
  /** sAMAccountName prefix (the name gets a random suffix); at most 10 characters. Default 't'. */
  readonly prefix?: string;
  readonly mail?: string;
  readonly groups?: readonly string[];
  readonly givenName?: string;
  readonly sn?: string;
}

export interface TestbedUser {
  readonly sam: string;
  readonly upn: string;
  readonly dn: string;
  readonly password: string;
  readonly state: AccountState;
  readonly displayName: string;
  readonly givenName: string;
  readonly sn: string;
  readonly mail?: string;
  readonly groups: readonly string[];
}

export async function createTestUser(
  dc: { dir: string; ldapsUrl: string; tlsOptions: ConnectionOptions },
  options: CreateUserOptions = {},
): Promise<TestbedUser> {
  const prefix = (options.prefix ?? 't').slice(0, 10);
  const sam = `${prefix}-${randomBytes(4).toString('hex')}`;
  const givenName = options.givenName ?? 'Test';
  const sn = options.sn ?? sam;
  const user: TestbedUser = {
    sam,
    upn: `${sam}@${DOMAIN.dnsName}`,
    dn: `CN=${givenName} ${sn},${DOMAIN.usersDn}`,
    password: options.password ?? `Pw-${randomBytes(9).toString('base64url')}`,
    state: options.state ?? 'enabled',
    displayName: `${givenName} ${sn}`,
    givenName,
    sn,
    groups: options.groups ?? [],
    ...(options.mail === undefined ? {} : { mail: options.mail }),
  };
  const admin = await DirectoryAdmin.connect(dc.ldapsUrl, dc.tlsOptions);
  try {
    await createAccount(dc, admin, { ...user, description: `test user (${user.state})` });
  } finally {
    await admin.close();
  }
  return user;
}
