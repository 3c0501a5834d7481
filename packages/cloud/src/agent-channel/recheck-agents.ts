/**
 * Revocations and renewals made on another cloud node reach this one through the store: every `intervalMs` (30 s by
 * default) the agents connected here are looked up again. A revoked (or deleted) agent is disconnected with 4003
 * (4002 when unknown); an expired certificate is disconnected with 4002; a connection whose certificate is no longer
 * the agent's current one (renewed through another node) is drained like a local renewal (reconnect frame, new
 * requests sealed to the new key). The in-process `revoked`/`renewed` events stay the fast path on the node that made
 * the change.
 */
import { importEnvelopePublicKey } from '@openpta/protocol';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../store/schema.ts';
import type { AgentGateway } from './gateway/index.ts';

/** Ids per query: well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500;

export interface RecheckOptions {
  readonly gateway: AgentGateway;
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly now?: () => number;
  /** How long drained connections may finish their requests (see createAgentChannel renewalGraceMs). */
  readonly renewalGraceMs: number;
  readonly renewalReconnectDelayMs: number;
}

export interface RecheckResult {
  readonly checked: number;
  readonly revoked: number;
  readonly superseded: number;
}

export async function recheckConnectedAgents(options: RecheckOptions): Promise<RecheckResult> {
  const { gateway, db, logger } = options;
  const now = (options.now ?? Date.now)();
  const live = gateway.connectedIdentities();
  const ids = [...new Set(live.map((c) => c.agentId))];
  let revoked = 0;
  let superseded = 0;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const rows = await db
      .selectFrom('agents')
      .select(['id', 'tenant_id', 'status', 'cert_fingerprint', 'cert_not_after', 'enc_public_jwk'])
      .where('id', 'in', chunk)
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const agentId of chunk) {
      const row = byId.get(agentId);
      if (row === undefined || row.status === 'revoked') {
        const n = gateway.disconnectAgent(agentId, row === undefined ? 'unauthorized' : 'revoked');
        revoked += n;
        logger.info(
          { agentId, connections: n, reason: row?.status ?? 'unknown' },
          'agent revoked elsewhere: disconnected',
        );
        continue;
      }
      if (Number(row.cert_not_after) <= now) {
        revoked += gateway.disconnectAgent(agentId, 'unauthorized');
        logger.info({ agentId }, 'agent certificate expired: disconnected');
        continue;
      }
      const stale = live.some(
        (c) =>
          c.agentId === agentId &&
          !c.retiring &&
          c.certificateFingerprint !== undefined &&
          c.certificateFingerprint !== row.cert_fingerprint,
      );
      if (stale) {
        const n = gateway.retireAgent(agentId, {
          envelopeKey: importEnvelopePublicKey(JSON.parse(row.enc_public_jwk)),
          keepFingerprint: row.cert_fingerprint,
          delayMs: options.renewalReconnectDelayMs,
          graceMs: options.renewalGraceMs,
        });
        superseded += n;
        logger.info({ agentId, connections: n }, 'agent renewed elsewhere: asked to reconnect');
      }
    }
  }
  return { checked: ids.length, revoked, superseded };
}
