/**
 * Creates accounts in a running DC in any state: the canonical users of users.ts (at template build) and fresh
 * per-test users (createUser). Everything goes over LDAPS as the administrator except the expired password, which
 * needs a pwdLastSet in the past: AD only lets clients write 0 or -1 (now), and Samba ignores a maximum password age
 * under one day. So that user is created by samba-tool under faketime three days back and given a password settings
 * object with a two-day maximum age.
 */
import { EXPIRED_PSO } from './constants.ts';
import { type DirectoryAdmin, lockUser, type NewUser } from './directory-admin.ts';
import { sambaTool } from './samba-tool.ts';
import type { AccountState } from './users.ts';

export interface AccountSpec extends Omit<NewUser, 'state'> {
  readonly state: AccountState;
  readonly groups: readonly string[];
}

export interface DcAccess {
  readonly dir: string;
  readonly ldapsUrl: string;
  readonly tlsOptions: import('node:tls').ConnectionOptions;
}

export async function createAccount(dc: DcAccess, admin: DirectoryAdmin, spec: AccountSpec): Promise<void> {
  if (spec.state === 'passwordExpired') {
    await sambaTool(
      dc.dir,
      ['user', 'create', spec.sam, spec.password, `--given-name=${spec.givenName}`, `--surname=${spec.sn}`],
      { fakeTime: '-3d' },
    );
    await sambaTool(dc.dir, ['domain', 'passwordsettings', 'pso', 'apply', EXPIRED_PSO, spec.sam]);
    const extra: Record<string, string> = {
      userPrincipalName: spec.upn,
      displayName: spec.displayName,
      description: spec.description,
    };
    if (spec.mail !== undefined) extra.mail = spec.mail;
    await admin.replace(spec.dn, extra);
  } else {
    await admin.addUser({ ...spec, state: spec.state === 'locked' ? 'enabled' : spec.state });
  }
  for (const group of spec.groups) await admin.addMember(group, spec.dn);
  if (spec.state === 'locked') await lockUser(dc.ldapsUrl, dc.tlsOptions, spec.upn, spec.password);
}
