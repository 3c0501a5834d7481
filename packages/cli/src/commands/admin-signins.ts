import type { Command } from 'commander';
import { adminSubcommand, callAdmin, printResult } from './admin-tenant-settings.ts';

type Out = (text: string) => void;

/**
 * `openpta admin signins --tenant N [--user U] [--outcome O] [--since T] [--limit K] [--cursor C] [--json]`: the
 * sign-in log, newest first. --since takes an ISO time or a look-back (24h, 7d). With --json the output carries
 * `nextCursor`; pass it as --cursor for the next page.
 */
export function registerAdminSignins(program: Command, out: Out = (t) => process.stdout.write(t)): void {
  adminSubcommand(program, 'signins', 'the sign-in log of a tenant, newest first')
    .requiredOption('--tenant <name>', 'tenant name')
    .option('--user <user>', 'username as typed (any case) or user id')
    .option(
      '--outcome <outcome>',
      'what the user saw (success, invalid_credentials, locked_out, ...) or the agent outcome',
    )
    .option('--since <time>', 'ISO time, or a look-back such as 15m, 24h, 7d')
    .option('--limit <n>', 'records per page (1-1000)', '50')
    .option('--cursor <cursor>', 'continue after a previous page (its nextCursor)')
    .action(
      async (
        opts: { tenant: string; user?: string; outcome?: string; since?: string; limit: string; cursor?: string },
        cmd: Command,
      ) => {
        const query = new URLSearchParams({ limit: opts.limit });
        for (const key of ['user', 'outcome', 'since', 'cursor'] as const) {
          const value = opts[key];
          if (value !== undefined) query.set(key, value);
        }
        const result = await callAdmin(cmd, 'GET', `/tenants/${encodeURIComponent(opts.tenant)}/sign-ins?${query}`);
        const rows = result.signIns as Record<string, unknown>[];
        printResult(cmd, out, result, () => {
          if (rows.length === 0) return '(none)';
          const table = [
            ['time', 'username', 'ip', 'stage', 'result', 'agent outcome', 'mfa', 'total ms'],
            ...rows.map((r) => [
              String(r.time),
              String(r.username),
              String(r.ip),
              String(r.stage),
              String(r.result),
              String(r.agentOutcome ?? '-'),
              String(r.mfaMethod ?? '-'),
              String((r.timings as Record<string, unknown>)?.totalMs ?? '-'),
            ]),
          ];
          const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
          const lines = table.map((row) =>
            row
              .map((c, i) => c.padEnd(widths[i]!))
              .join('  ')
              .trimEnd(),
          );
          if (result.nextCursor) lines.push(`(more: --cursor ${result.nextCursor})`);
          return lines.join('\n');
        });
      },
    );
}
