import type { Command } from 'commander';
import { AdminApiError, adminRequest } from './admin-client.ts';
import { type AdminGlobalOptions, resolveAdminConnection } from './admin-connection.ts';

const API = '/admin/api/v1';
type Json = Record<string, unknown>;
type Out = (text: string) => void;

/** One admin API call with the global connection options; API errors become one-line messages with code and status. */
export async function callAdmin(cmd: Command, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Json> {
  try {
    return (await adminRequest(
      resolveAdminConnection(cmd.optsWithGlobals<AdminGlobalOptions>()),
      method,
      `${API}${path}`,
      body,
    )) as Json;
  } catch (error) {
    if (error instanceof AdminApiError) throw new Error(`${error.message} (${error.code}, HTTP ${error.status})`);
    throw error;
  }
}

export function printResult(cmd: Command, out: Out, data: unknown, human: () => string): void {
  out(cmd.optsWithGlobals<AdminGlobalOptions>().json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}

/** The `admin` command and one of its sub-commands, created by registerAdmin (commands/admin.ts). */
export function adminSubcommand(program: Command, name: string, description: string): Command {
  const admin = program.commands.find((c) => c.name() === 'admin');
  if (!admin) throw new Error('register `openpta admin` before its protection sub-commands');
  return admin.commands.find((c) => c.name() === name) ?? admin.command(name).description(description);
}

/**
 * `openpta admin tenant show --name N` (the tenant with its effective sign-in protection settings) and
 * `openpta admin tenant set --name N [--lockout-threshold K] [--lockout-duration 60s] [--lockout-max-duration 1h]
 * [--mfa off|required|groups:G1,G2]`. Values are validated by the server (one source of truth).
 */
export function registerAdminTenantSettings(program: Command, out: Out = (t) => process.stdout.write(t)): void {
  const tenant = adminSubcommand(program, 'tenant', 'tenants');
  tenant
    .command('show')
    .description('show a tenant, its domains and its sign-in protection settings (defaults filled in)')
    .requiredOption('--name <name>', 'tenant name')
    .action(async (opts: { name: string }, cmd: Command) => {
      const name = encodeURIComponent(opts.name);
      const t = await callAdmin(cmd, 'GET', `/tenants/${name}`);
      const { protection } = (await callAdmin(cmd, 'GET', `/tenants/${name}/protection`)) as { protection: Json };
      printResult(cmd, out, { ...t, protection }, () => human(t, protection));
    });
  tenant
    .command('set')
    .description('change sign-in protection settings of a tenant (smart lockout, MFA policy)')
    .requiredOption('--name <name>', 'tenant name')
    .option('--lockout-threshold <k>', 'counted failures before a lockout (keep it below the AD lockout threshold)')
    .option('--lockout-duration <d>', "first lockout duration, e.g. 60s, 15m (keep it longer than AD's reset window)")
    .option('--lockout-max-duration <d>', 'upper bound of the growing lockout duration, e.g. 1h')
    .option('--mfa <policy>', 'off | required | groups:G1,G2 (group names or DNs; escape commas in DNs as \\,)')
    .action(
      async (
        opts: {
          name: string;
          lockoutThreshold?: string;
          lockoutDuration?: string;
          lockoutMaxDuration?: string;
          mfa?: string;
        },
        cmd: Command,
      ) => {
        const lockout: Json = {};
        if (opts.lockoutThreshold !== undefined) {
          const k = Number(opts.lockoutThreshold);
          if (!Number.isInteger(k))
            throw new Error(`--lockout-threshold must be a whole number, got "${opts.lockoutThreshold}"`);
          lockout.threshold = k;
        }
        if (opts.lockoutDuration !== undefined) lockout.durationSeconds = opts.lockoutDuration;
        if (opts.lockoutMaxDuration !== undefined) lockout.maxDurationSeconds = opts.lockoutMaxDuration;
        if (Object.keys(lockout).length === 0 && opts.mfa === undefined) {
          throw new Error(
            'nothing to change: give --lockout-threshold, --lockout-duration, --lockout-max-duration or --mfa',
          );
        }
        const body = { ...(Object.keys(lockout).length ? { lockout } : {}), ...(opts.mfa ? { mfa: opts.mfa } : {}) };
        const result = await callAdmin(cmd, 'POST', `/tenants/${encodeURIComponent(opts.name)}/protection`, body);
        printResult(cmd, out, result, () => human({ name: opts.name }, result.protection as Json));
      },
    );
}

function human(tenant: Json, protection: Json): string {
  const s = (protection.summary ?? {}) as Json;
  const lines: [string, unknown][] = [
    ['name', tenant.name],
    ...(tenant.id ? ([['id', tenant.id]] as [string, unknown][]) : []),
    ...(tenant.issuer ? ([['issuer', tenant.issuer]] as [string, unknown][]) : []),
    ...(tenant.domains ? ([['domains', (tenant.domains as string[]).join(',')]] as [string, unknown][]) : []),
    ['lockout threshold', s.lockoutThreshold],
    ['lockout duration', s.lockoutDuration],
    ['lockout max duration', s.lockoutMaxDuration],
    ['mfa', s.mfa],
  ];
  const width = Math.max(...lines.map(([k]) => k.length)) + 1;
  return lines.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v ?? '-'}`).join('\n');
}
