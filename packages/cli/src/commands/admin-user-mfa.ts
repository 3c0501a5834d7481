import type { Command } from 'commander';
import { adminSubcommand, callAdmin, printResult } from './admin-tenant-settings.ts';

type Out = (text: string) => void;

/**
 * `openpta admin user reset-mfa --tenant N --user U [--reason R]`: removes every second factor of the user (TOTP,
 * recovery codes, security keys); audited as `user.mfa.reset`. `openpta admin user unlock --tenant N --user U`:
 * clears the cloud's smart-lockout counters for a sign-in name. U is the user id or the UPN.
 */
export function registerAdminUserMfa(program: Command, out: Out = (t) => process.stdout.write(t)): void {
  const user = adminSubcommand(program, 'user', 'users');
  user
    .command('reset-mfa')
    .description('remove every second factor of a user (they enrol again at the next sign-in); audited')
    .requiredOption('--tenant <name>', 'tenant name')
    .requiredOption('--user <user>', 'user id or UPN')
    .option('--reason <text>', 'why (kept in the audit event)')
    .action(async (opts: { tenant: string; user: string; reason?: string }, cmd: Command) => {
      const path = `/tenants/${encodeURIComponent(opts.tenant)}/users/${encodeURIComponent(opts.user)}/reset-mfa`;
      const result = await callAdmin(cmd, 'POST', path, opts.reason ? { reason: opts.reason } : {});
      const removed = result.removed as { totp: boolean; webauthn: number; recoveryCodes: number };
      printResult(
        cmd,
        out,
        result,
        () =>
          `MFA reset for ${result.upn ?? result.userId}: authenticator app ${removed.totp ? 'removed' : 'none'}, ` +
          `${removed.webauthn} security key(s), ${removed.recoveryCodes} recovery code(s) removed.`,
      );
    });
  user
    .command('unlock')
    .description("clear the cloud's smart-lockout counters for a sign-in name (not the AD lockout)")
    .requiredOption('--tenant <name>', 'tenant name')
    .requiredOption('--user <username>', 'sign-in name as typed')
    .action(async (opts: { tenant: string; user: string }, cmd: Command) => {
      const path = `/tenants/${encodeURIComponent(opts.tenant)}/users/${encodeURIComponent(opts.user)}/unlock`;
      const result = await callAdmin(cmd, 'POST', path, {});
      printResult(cmd, out, result, () => `unlocked ${opts.user} in the cloud's smart lockout`);
    });
}
