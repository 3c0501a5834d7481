import type { Command } from 'commander';
import { adminSubcommand, callAdmin, printResult } from './admin-tenant-settings.ts';

type Out = (text: string) => void;

/**
 * `openpta admin user reset-mfa --tenant N --user U [--reason R]`: removes every second factor of the user (TOTP,
 * recovery codes, security keys); audited as `user.mfa.reset`. `mfa-status` shows the factors (never a secret).
 * `lockout-status` shows and `unlock` clears the cloud's smart-lockout counters of a sign-in name. U is the user id
 * or the UPN (for lockout: the sign-in name as typed).
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
    .command('mfa-status')
    .description("a user's second factors: authenticator app, security keys, recovery codes left")
    .requiredOption('--tenant <name>', 'tenant name')
    .requiredOption('--user <user>', 'user id or UPN')
    .action(async (opts: { tenant: string; user: string }, cmd: Command) => {
      const path = `/tenants/${encodeURIComponent(opts.tenant)}/users/${encodeURIComponent(opts.user)}/mfa`;
      const r = await callAdmin(cmd, 'GET', path);
      const keys = r.webauthn as { name: string; deviceType: string }[];
      printResult(cmd, out, r, () =>
        [
          `user:                ${r.upn ?? r.userId}`,
          `authenticator app:   ${r.totp}`,
          `security keys:       ${keys.length === 0 ? 'none' : keys.map((k) => `${k.name} (${k.deviceType})`).join(', ')}`,
          `recovery codes left: ${r.recoveryCodesLeft}`,
        ].join('\n'),
      );
    });
  user
    .command('lockout-status')
    .description("the cloud's smart-lockout counters for a sign-in name, and its familiar networks")
    .requiredOption('--tenant <name>', 'tenant name')
    .requiredOption('--user <username>', 'sign-in name as typed')
    .action(async (opts: { tenant: string; user: string }, cmd: Command) => {
      const path = `/tenants/${encodeURIComponent(opts.tenant)}/users/${encodeURIComponent(opts.user)}/lockout`;
      const r = await callAdmin(cmd, 'GET', path);
      const counters = r.counters as Record<string, { failures: number; lockedUntil: string | null; level: number }>;
      printResult(cmd, out, r, () =>
        [
          ...Object.entries(counters).map(
            ([name, c]) =>
              `${`${name}:`.padEnd(12)} ${c.lockedUntil ? `locked until ${c.lockedUntil}` : 'open'}, ${c.failures} failure(s), level ${c.level}`,
          ),
          `familiar:    ${(r.familiarNetworks as string[]).join(', ') || 'none'}`,
        ].join('\n'),
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
