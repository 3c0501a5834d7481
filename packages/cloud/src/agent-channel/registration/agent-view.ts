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
 * revoked: an administrator revoked it (final). expired: its certificate expired (must re-register). active:
 * connected now, or seen within the active window. inactive: otherwise.
 */
export function agentStatus(row: AgentsTable, now: number, activeWindowMs: number): AgentStatus {
  if (row.status === 'revoked') return 'revoked';
  if (Number(row.cert_not_after) <= now) return 'expired';
  if (row.connected === 1) return 'active';
  if (row.last_seen_at !== null && now - Number(row.last_seen_at) <= activeWindowMs) return 'active';
  return 'inactive';
}

export function agentView(row: AgentsTable, now: number, activeWindowMs: number): AgentView {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    hostname: row.hostname,
    version: row.agent_version,
    status: agentStatus(row, now, activeWindowMs),
    connected: row.connected === 1,
    lastSeenAt: row.last_seen_at === null ? null : Number(row.last_seen_at),
    remoteAddress: row.remote_address,
    certificateNotAfter: Number(row.cert_not_after),
    certificateSerial: row.cert_serial,
    encryptionKid: row.enc_kid,
    inFlight: Number(row.in_flight),
    served: Number(row.served_count),
    failed: Number(row.failed_count),
    createdAt: Number(row.created_at),
    renewedAt: row.renewed_at === null ? null : Number(row.renewed_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}
