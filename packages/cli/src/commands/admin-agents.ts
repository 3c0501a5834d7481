/**
 * `openpta admin agent-token create|list|revoke` and `openpta admin agents list|revoke`: agent registration tokens and the
 * agents of a tenant, through the admin API (same connection options as every `openpta admin` command).
 */
import type { Command } from 'commander';
import { AdminApiError, adminRequest } from './admin-client.ts';
import { type AdminGlobalOptions, resolveAdminConnection } from './admin-connection.ts';

const API = '/admin/api/v1';
type Json = Record<string, unknown>;

/** "90s", "15m", "1h", "7d" -> seconds. */
export function parseTtl(value: string): number {
  const match = /^(\d+)\s*([smhd])$/.exec(value.trim());
  if (!match) throw new Error(`--ttl must look like 90s, 15m, 1h or 2d (got ${value})`);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/** Aligned columns, "-" for empty values. */
function table(keys: readonly string[], list: readonly Json[]): string {
  const rows = [[...keys], ...list.map((a) => keys.map((k) => String(a[k] ?? '-')))];
  const widths = keys.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

export function registerAdminAgents(
  program: Command,
  out: (text: string) => void = (t) => process.stdout.write(t),
): void {
  const admin = program.commands.find((c) => c.name() === 'admin');
  if (!admin) throw new Error('register the admin command first');

  const call = async (cmd: Command, method: 'GET' | 'POST', path: string, body?: unknown) => {
    try {
      return (await adminRequest(
        resolveAdminConnection(cmd.optsWithGlobals<AdminGlobalOptions>()),
        method,
        path,
        body,
      )) as Json;
    } catch (error) {
      if (error instanceof AdminApiError) throw new Error(`${error.message} (${error.code}, HTTP ${error.status})`);
      throw error;
    }
  };
  const json = (cmd: Command) => cmd.optsWithGlobals<AdminGlobalOptions>().json === true;

  const tokens = admin.command('agent-token').description('agent registration tokens');
  tokens
    .command('create')
    .description('create a single-use agent registration token (carries the cloud CA fingerprint)')
    .requiredOption('--tenant <name>', 'tenant name')
    .option('--ttl <duration>', 'lifetime: 90s, 15m, 1h (default), 2d; at most 7d')
    .action(async (opts: { tenant: string; ttl?: string }, cmd: Command) => {
      const body = opts.ttl ? { ttlSeconds: parseTtl(opts.ttl) } : {};
      const created = await call(cmd, 'POST', `${API}/tenants/${encodeURIComponent(opts.tenant)}/agent-tokens`, body);
      out(
        json(cmd)
          ? `${JSON.stringify(created, null, 2)}\n`
          : `agent registration token for tenant ${created.tenant} (single use, expires ${created.expiresAt}):\n` +
              `  ${created.token}\n` +
              `cloud CA ${created.caFingerprint}\n` +
              'on the agent host: OPENPTA_AGENT_TOKEN=<token> openpta agent register --cloud <url> --state-dir <dir>\n',
      );
    });

  tokens
    .command('list')
    .description(
      'list the registration tokens of a tenant: status (unused, used, expired, revoked), expiry, who used it',
    )
    .requiredOption('--tenant <name>', 'tenant name')
    .action(async (opts: { tenant: string }, cmd: Command) => {
      const { tokens: list } = (await call(
        cmd,
        'GET',
        `${API}/tenants/${encodeURIComponent(opts.tenant)}/agent-tokens`,
      )) as { tokens: Json[] };
      if (json(cmd)) return out(`${JSON.stringify(list, null, 2)}\n`);
      out(table(['tokenId', 'status', 'createdAt', 'expiresAt', 'usedByAgentId', 'revokedAt'], list));
    });
  tokens
    .command('revoke')
    .description('revoke an unused registration token: it can no longer register an agent')
    .argument('<id>', 'token id (from `openpta admin agent-token list`)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const token = await call(cmd, 'POST', `${API}/agent-tokens/${encodeURIComponent(id)}/revoke`);
      out(json(cmd) ? `${JSON.stringify(token, null, 2)}\n` : `revoked registration token ${token.tokenId}\n`);
    });

  const agents = admin.command('agents').description('registered agents of a tenant');
  agents
    .command('list')
    .description(
      'list agents: status (active = connected or seen in the last 2 minutes), last seen, certificate expiry, counters',
    )
    .requiredOption('--tenant <name>', 'tenant name')
    .action(async (opts: { tenant: string }, cmd: Command) => {
      const { agents: list } = (await call(cmd, 'GET', `${API}/tenants/${encodeURIComponent(opts.tenant)}/agents`)) as {
        agents: Json[];
      };
      if (json(cmd)) return out(`${JSON.stringify(list, null, 2)}\n`);
      const keys = [
        'id',
        'name',
        'version',
        'status',
        'lastSeenAt',
        'certificateExpiresAt',
        'inFlight',
        'served',
        'failed',
      ];
      out(table(keys, list));
    });
  agents
    .command('revoke')
    .description('revoke an agent: disconnected at once, can never reconnect or renew')
    .argument('<id>', 'agent id (from `openpta admin agents list`)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const agent = await call(cmd, 'POST', `${API}/agents/${encodeURIComponent(id)}/revoke`);
      out(json(cmd) ? `${JSON.stringify(agent, null, 2)}\n` : `revoked agent ${agent.id} (${agent.name})\n`);
    });
}
