/**
 * Public surface of the Samba AD test bed. In a test:
 *
 *   import { adTestbed } from '../../../scripts/testbed/index.ts';
 *   const ad = await adTestbed();   // { ldapsUrl, tlsOptions, users.normal.upn, createUser(), ... }
 *
 * Under `npm test`, scripts/run-tests.ts starts one DC for the whole run and names it in OPENPTA_TESTBED. Run alone
 * (`node --test file.test.ts`), the first adTestbed() call starts a DC for this process and stops it at exit.
 * Where a DC cannot run, adTestbed() rejects with a TestbedError that says how to install and run it: AD tests
 * fail, they are never skipped.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { BindTarget } from './bind-table.ts';
import { ADMIN_PASSWORD, ADMIN_UPN, ENV_DESCRIPTION, ENV_ERROR, LDAP_PORT, LDAPS_PORT } from './constants.ts';
import { tlsOptionsFor } from './dc.ts';
import { readDescription, type TestbedInfo } from './description.ts';
import { lockUser } from './directory-admin.ts';
import type { DirectoryUserKey } from './directory-cases.ts';
import { TestbedError } from './errors.ts';
import { startInstance } from './instance.ts';
import { isRunning } from './samba-process.ts';
import { type CreateUserOptions, createTestUser, type TestbedUser } from './user-factory.ts';
import {
  DOMAIN,
  expandGroups,
  GROUPS,
  LOCKOUT_MINUTES,
  LOCKOUT_THRESHOLD,
  UNKNOWN_UPN,
  USERS,
  userDn,
  WRONG_PASSWORD,
} from './users.ts';

export type { BindCaseResult, BindObservation, BindTarget } from './bind-table.ts';
export { adSubCode, bindOnce, checkBindCase, runBindCase, runBindCases } from './bind-table.ts';
export { BIND_CASES, type BindCase, type DirectoryUserKey } from './directory-cases.ts';
export { TestbedError, type TestbedErrorCode } from './errors.ts';
export type { CreateUserOptions, TestbedUser } from './user-factory.ts';
export { type AccountState, DOMAIN, GROUPS, LOCKOUT_THRESHOLD, USERS, WRONG_PASSWORD } from './users.ts';

export interface AdTestbed {
  /** Loopback address the DC listens on (only there). */
  readonly host: string;
  readonly ldapsUrl: string;
  /** Plain LDAP on 389: use StartTLS (simple binds without TLS are refused with strongerAuthRequired). */
  readonly ldapUrl: string;
  readonly ldapsPort: number;
  readonly ldapPort: number;
  readonly caFile: string;
  readonly caPem: string;
  /** TLS servername the DC certificate is issued to: dc1.corp.example.test. */
  readonly servername: string;
  /** `{ ca, servername }` ready for ldapts' tlsOptions or startTLS(). */
  readonly tlsOptions: ConnectionOptions;
  readonly domain: string;
  readonly realm: string;
  readonly netbios: string;
  readonly baseDn: string;
  readonly usersDn: string;
  readonly users: Readonly<Record<DirectoryUserKey, TestbedUser>>;
  readonly groups: typeof GROUPS;
  readonly wrongPassword: string;
  readonly unknownUpn: string;
  readonly lockoutThreshold: number;
  readonly lockoutMinutes: number;
  /** Domain administrator (only for tests that must inspect or change the directory). */
  readonly admin: { readonly upn: string; readonly password: string };
  /** Instance directory and samba root PID (for diagnostics). */
  readonly dir: string;
  readonly pid: number;
  /** Target for runBindCases(): LDAPS, or StartTLS on 389. */
  bindTarget(options?: { startTls?: boolean }): BindTarget;
  /** A fresh user in the given state; use it whenever a test locks a user or changes a password. */
  createUser(options?: CreateUserOptions): Promise<TestbedUser>;
  /** Locks an existing user with LOCKOUT_THRESHOLD wrong binds. */
  lockUser(user: Pick<TestbedUser, 'upn' | 'password'>): Promise<void>;
}

function describe(info: TestbedInfo): AdTestbed {
  const caPem = readFileSync(info.caFile, 'utf8');
  const tlsOptions = tlsOptionsFor(caPem);
  const users = Object.fromEntries(
    Object.values(USERS).map((u) => [
      u.key,
      {
        sam: u.sam,
        upn: u.upn,
        dn: userDn(u),
        password: u.password,
        state: u.state,
        displayName: u.displayName,
        givenName: u.givenName,
        sn: u.sn,
        groups: u.groups,
        ...(u.mail === undefined ? {} : { mail: u.mail }),
      } satisfies TestbedUser,
    ]),
  ) as Record<DirectoryUserKey, TestbedUser>;
  const dc = { dir: info.dir, ldapsUrl: info.ldapsUrl, tlsOptions };
  return {
    host: info.ip,
    ldapsUrl: info.ldapsUrl,
    ldapUrl: info.ldapUrl,
    ldapsPort: LDAPS_PORT,
    ldapPort: LDAP_PORT,
    caFile: info.caFile,
    caPem,
    servername: DOMAIN.dcFqdn,
    tlsOptions,
    domain: DOMAIN.dnsName,
    realm: DOMAIN.realm,
    netbios: DOMAIN.netbios,
    baseDn: DOMAIN.baseDn,
    usersDn: DOMAIN.usersDn,
    users,
    groups: GROUPS,
    wrongPassword: WRONG_PASSWORD,
    unknownUpn: UNKNOWN_UPN,
    lockoutThreshold: LOCKOUT_THRESHOLD,
    lockoutMinutes: LOCKOUT_MINUTES,
    admin: { upn: ADMIN_UPN, password: ADMIN_PASSWORD },
    dir: info.dir,
    pid: info.pid,
    bindTarget: (options = {}) => ({
      url: options.startTls === true ? info.ldapUrl : info.ldapsUrl,
      tlsOptions,
      startTls: options.startTls === true,
      users,
      unknownUpn: UNKNOWN_UPN,
      wrongPassword: WRONG_PASSWORD,
    }),
    createUser: (options) => createTestUser(dc, options),
    lockUser: (user) => lockUser(info.ldapsUrl, tlsOptions, user.upn, user.password),
  };
}

/** Groups a user belongs to, nested ones included. */
export function effectiveGroups(user: Pick<TestbedUser, 'groups'>): string[] {
  return expandGroups(user.groups);
}

export interface PrivateTestbed extends AdTestbed {
  /** Stops this DC (e.g. to test "DC down"); also happens at process exit. */
  stop(): Promise<void>;
}

/**
 * A DC of this test's own, on another loopback address, for tests that stop it, kill it or change its policy.
 * Never stop the shared one: other test files of the run use it. About one second to start.
 */
export async function startPrivateTestbed(): Promise<PrivateTestbed> {
  const instance = await startInstance({ tied: true });
  process.once('exit', () => instance.stopSync());
  return { ...describe(instance.info), stop: () => instance.stop() };
}

let shared: Promise<AdTestbed> | undefined;

async function connect(): Promise<AdTestbed> {
  const failure = process.env[ENV_ERROR];
  if (failure !== undefined && failure !== '') throw new TestbedError('TESTBED_UNAVAILABLE', failure);
  const file = process.env[ENV_DESCRIPTION];
  if (file !== undefined && file !== '') {
    const info = readDescription(file);
    if (!isRunning(info.pid)) {
      throw new TestbedError(
        'TESTBED_START_FAILED',
        `the test bed named by ${ENV_DESCRIPTION}=${file} is not running (samba pid ${info.pid} is gone); ` +
          'unset it, or restart it with `node scripts/testbed/cli.ts start`',
      );
    }
    return describe(info);
  }
  const instance = await startInstance({
    tied: true,
    progress: (message) => process.stderr.write(`[ad-testbed] ${message}\n`),
  });
  process.once('exit', () => instance.stopSync());
  return describe(instance.info);
}

/** The running AD test bed of this test run (started on first use when no shared one is named). */
export function adTestbed(): Promise<AdTestbed> {
  shared ??= connect();
  return shared;
}
