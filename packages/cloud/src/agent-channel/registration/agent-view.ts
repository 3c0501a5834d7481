import type { AgentsTable } from '../../store/schema.ts';

export type AgentStatus = 'active' | 'inactive' | 'revoked' | 'expired';

/** What the admin API and CLI show for an agent (never keys). Times are epoch ms. */
export interface AgentView {
  id: string;
  tenantId: string;
  name: string;
  hostname: string;
  version: string;
  status: AgentStatus;
  connected: boolean;
  lastSeenAt: number | null;
  remoteAddress: string | null;
  certificateNotAfter: number;
  certificateSerial: string;
  encryptionKid: string;
  inFlight: number;
  served: number;
  failed: number;
  createdAt: number;
  renewedAt: number | null;
  revokedAt: number | null;
}

/**
 * How long the `connected` mark is believed without news. The node that holds a connection writes last_seen at least
 * once per heartbeat (DEFAULT_HEARTBEAT_INTERVAL_MS, 30 s) plus its activity flush (10 s). A node that died without
 * closing its connections (killed, host lost) leaves the mark behind; once last_seen is older than three heartbeats,
 * the mark is that node's leftover, not a connection, and the agent would otherwise show as active forever.
 */
export const CONNECTED_MARK_TRUSTED_MS = 3 * 30_000 + 10_000;

/** Connected per the store: marked so by a node, and that node still reporting (see CONNECTED_MARK_TRUSTED_MS). */
export function isConnected(row: AgentsTable, now: number): boolean {
  return (
    row.connected === 1 && row.last_seen_at !== null && now - Number(row.last_seen_at) <= CONNECTED_MARK_TRUSTED_MS
  );
}

/**
 * revoked: an administrator revoked it (final). expired: its certificate expired (must re-register). active:
 * connected now, or seen within the active window. inactive: otherwise.
 */
export function agentStatus(row: AgentsTable, now: number, activeWindowMs: number): AgentStatus {
  if (row.status === 'revoked') return 'revoked';
  if (Number(row.cert_not_after) <= now) return 'expired';
  if (isConnected(row, now)) return 'active';
  if (row.last_seen_at !== null && now - Number(row.last_seen_at) <= activeWindowMs) return 'active';
  return 'inactive';
}

export function agentView(row: AgentsTable, now: number, activeWindowMs: number): AgentView {
  const connected = isConnected(row, now);
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    hostname: row.hostname,
    version: row.agent_version,
    status: agentStatus(row, now, activeWindowMs),
    connected,
    lastSeenAt: row.last_seen_at === null ? null : Number(row.last_seen_at),
    remoteAddress: row.remote_address,
    certificateNotAfter: Number(row.cert_not_after),
    certificateSerial: row.cert_serial,
    encryptionKid: row.enc_kid,
    // A dead node's last count is not work in flight anywhere.
    inFlight: connected ? Number(row.in_flight) : 0,
    served: Number(row.served_count),
    failed: Number(row.failed_count),
    createdAt: Number(row.created_at),
    renewedAt: row.renewed_at === null ? null : Number(row.renewed_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}
