import type { TLSSocket } from 'node:tls';
import { type EnvelopeRecipient, importEnvelopePublicKey } from '@openpta/protocol';
import { recordAudit } from '../../admin/audit.ts';
import { notFound } from '../../errors.ts';
import type { AgentsTable } from '../../store/schema.ts';
import { createAgentCaStore } from '../pki/agent-ca.ts';
import { AgentIdentityError } from '../pki/errors.ts';
import { caPin, certificateSha256Hex, formatFingerprint } from '../pki/fingerprint.ts';
import type { PresentedCertificate } from '../pki/read-agent-certificate.ts';
import { AgentEvents } from './agent-events.ts';
import { type AgentView, agentView } from './agent-view.ts';
import { createCertificateAuthenticator } from './authenticate-agent.ts';
import { AGENT_IDENTITY_DEFAULTS } from './defaults.ts';
import { registerWithToken } from './register-agent.ts';
import { newRegistrationToken } from './registration-token.ts';
import {
  listRegistrationTokens,
  type RegistrationTokenView,
  revokeRegistrationToken,
} from './registration-token-admin.ts';
import type { RegistryContext } from './registry-context.ts';
import type {
  AgentActivityUpdate,
  AgentAuthenticationResult,
  AgentCredentials,
  AgentRegistryOptions,
  AgentSocketAuthenticationResult,
  CreatedRegistrationToken,
  RegisterInput,
  RenewInput,
} from './registry-types.ts';
import { renewWithCertificate } from './renew-agent.ts';

/** Agent ids per batched last-seen statement (bound parameters stay far below SQLite's and PostgreSQL's limits). */
const SEEN_BATCH = 500;

export type AgentRegistry = ReturnType<typeof createAgentRegistry>;

/**
 * Agent identity: registration tokens, registration, renewal, revocation, certificate authentication, the agents list
 * and activity. Stateless apart from the database (and an in-process event emitter), so any cloud node can serve it.
 */
export function createAgentRegistry(options: AgentRegistryOptions) {
  const { db } = options;
  const now = options.now ?? Date.now;
  const settings = { ...AGENT_IDENTITY_DEFAULTS, ...options.settings };
  const events = new AgentEvents();
  const ctx: RegistryContext = {
    db,
    cas: createAgentCaStore({ db, secretBox: options.secretBox, now }),
    settings,
    events,
    now,
  };
  const certificates = createCertificateAuthenticator(ctx);
  const pin = caPin(options.serverTrustAnchorPem);
  const fingerprint = formatFingerprint(certificateSha256Hex(options.serverTrustAnchorPem));

  async function requireAgentRow(agentId: string): Promise<AgentsTable> {
    const row = await db.selectFrom('agents').selectAll().where('id', '=', agentId).executeTakeFirst();
    if (!row) throw notFound(`agent ${agentId}`);
    return row;
  }

  /**
   * Checks a presented client certificate (see authenticate-agent.ts). Never throws for a bad certificate: the
   * result says why. Call it for every new connection.
   */
  const authenticateAgentCertificate = (presented: PresentedCertificate): Promise<AgentAuthenticationResult> =>
    certificates.authenticateAgentCertificate(presented);

  return {
    settings,
    events,
    /** Pin of the cloud's TLS CA (base64url SHA-256), as carried in tokens. */
    caPin: pin,

    /** A single-use registration token for a tenant; only the hash of its secret is stored. */
    async createRegistrationToken(input: {
      tenantId: string;
      ttlMs?: number | undefined;
      actor: string;
    }): Promise<CreatedRegistrationToken> {
      const ttl = input.ttlMs ?? settings.tokenTtlMs;
      if (!Number.isFinite(ttl) || ttl < 1000 || ttl > settings.maxTokenTtlMs) {
        throw new AgentIdentityError('TOKEN_INVALID', `ttl must be between 1 s and ${settings.maxTokenTtlMs / 1000} s`);
      }
      const created = newRegistrationToken(pin);
      const time = now();
      await db
        .insertInto('agent_registration_tokens')
        .values({
          id: created.id,
          tenant_id: input.tenantId,
          token_hash: created.secretHash,
          created_by: input.actor,
          created_at: time,
          expires_at: time + ttl,
          used_at: null,
          used_by_agent_id: null,
        })
        .execute();
      await recordAudit(
        db,
        {
          actor: input.actor,
          action: 'agent.token.create',
          target: `tenant:${input.tenantId}`,
          details: { tokenId: created.id, expiresAt: time + ttl },
        },
        time,
      );
      return {
        token: created.token,
        tokenId: created.id,
        tenantId: input.tenantId,
        expiresAt: time + ttl,
        caFingerprint: fingerprint,
      };
    },

    /** The tenant's registration tokens (status unused, used, expired or revoked), newest first; never a secret. */
    listRegistrationTokens: (tenantId: string): Promise<RegistrationTokenView[]> =>
      listRegistrationTokens(db, tenantId, now()),

    /** Revokes an unused registration token (audited); 404 unknown, 409 already used. */
    revokeRegistrationToken: (tokenId: string, actor: string): Promise<RegistrationTokenView> =>
      revokeRegistrationToken(db, tokenId, actor, now()),

    register: (input: RegisterInput): Promise<AgentCredentials> => registerWithToken(ctx, input),

    renew: (input: RenewInput): Promise<AgentCredentials> =>
      renewWithCertificate(ctx, certificates.authenticate, input),

    authenticateAgentCertificate,

    /** authenticateAgentCertificate for a TLS socket, in the gateway's AuthenticateAgent shape. */
    async authenticateAgentSocket(socket: TLSSocket): Promise<AgentSocketAuthenticationResult> {
      const result = await authenticateAgentCertificate(socket.getPeerCertificate(false));
      if (result.ok) {
        const { agentId, tenantId, envelopeKey, certificateFingerprint } = result.agent;
        return { ok: true, identity: { agentId, tenantId, envelopeKey, certificateFingerprint } };
      }
      return { ok: false, code: result.code === 'AGENT_REVOKED' ? 'revoked' : 'unauthorized', reason: result.message };
    },

    async list(tenantId: string): Promise<AgentView[]> {
      const rows = await db
        .selectFrom('agents')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      const time = now();
      return rows.map((row) => agentView(row, time, settings.activeWindowMs));
    },

    async get(agentId: string): Promise<AgentView | undefined> {
      const row = await db.selectFrom('agents').selectAll().where('id', '=', agentId).executeTakeFirst();
      return row ? agentView(row, now(), settings.activeWindowMs) : undefined;
    },

    /**
     * Revokes an agent for good: it can never authenticate or renew again (checked on every connection and renewal),
     * and `revoked` listeners (the gateway) disconnect it at once. Revoking twice is harmless.
     */
    async revoke(agentId: string, actor: string): Promise<AgentView> {
      const row = await requireAgentRow(agentId);
      const time = now();
      if (row.status !== 'revoked') {
        await db
          .updateTable('agents')
          .set({ status: 'revoked', revoked_at: time, revoked_by: actor, connected: 0, in_flight: 0 })
          .where('id', '=', agentId)
          .execute();
        await recordAudit(
          db,
          {
            actor,
            action: 'agent.revoke',
            target: `agent:${agentId}`,
            details: { tenantId: row.tenant_id, certificateSerial: row.cert_serial },
          },
          time,
        );
      }
      events.emitRevoked({ agentId, tenantId: row.tenant_id, actor });
      return agentView(await requireAgentRow(agentId), time, settings.activeWindowMs);
    },

    /** The tenant's agents a password may be sealed to: not revoked, certificate valid, and active. */
    async activeRecipients(tenantId: string): Promise<EnvelopeRecipient[]> {
      const time = now();
      const rows = await db
        .selectFrom('agents')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('status', '=', 'active')
        .where('cert_not_after', '>', time)
        .execute();
      return rows
        .filter((row) => agentView(row, time, settings.activeWindowMs).status === 'active')
        .map((row) => ({ agentId: row.id, key: importEnvelopePublicKey(JSON.parse(row.enc_public_jwk)) }));
    },

    /**
     * Idle connected agents (nothing but lastSeen moved since their previous report): a few statements for all of
     * them, per tenant and SEEN_BATCH ids, instead of one per agent. Each batch is written with its oldest lastSeen,
     * so no agent looks more recently seen than it was.
     */
    async recordSeen(
      updates: readonly Pick<AgentActivityUpdate, 'agentId' | 'tenantId' | 'lastSeen'>[],
    ): Promise<void> {
      const byTenant = new Map<string, (typeof updates)[number][]>();
      for (const u of updates) {
        const list = byTenant.get(u.tenantId);
        if (list === undefined) byTenant.set(u.tenantId, [u]);
        else list.push(u);
      }
      for (const [tenantId, list] of byTenant) {
        for (let i = 0; i < list.length; i += SEEN_BATCH) {
          const chunk = list.slice(i, i + SEEN_BATCH);
          await db
            .updateTable('agents')
            .set({ connected: 1, last_seen_at: Math.min(...chunk.map((u) => u.lastSeen)) })
            .where('tenant_id', '=', tenantId)
            .where(
              'id',
              'in',
              chunk.map((u) => u.agentId),
            )
            .execute();
        }
      }
    },

    /** Flushes the gateway's view of one agent (connection state and counter deltas). Revoked agents stay revoked. */
    async recordActivity(update: AgentActivityUpdate): Promise<void> {
      await db
        .updateTable('agents')
        .set((eb) => ({
          connected: update.connected ? 1 : 0,
          last_seen_at: update.lastSeen,
          in_flight: update.inFlight,
          served_count: eb('served_count', '+', update.servedDelta),
          failed_count: eb('failed_count', '+', update.failedDelta),
          ...(update.remoteAddress !== undefined ? { remote_address: update.remoteAddress } : {}),
          ...(update.agentVersion !== undefined ? { agent_version: update.agentVersion } : {}),
          ...(update.hostname !== undefined ? { hostname: update.hostname } : {}),
        }))
        .where('id', '=', update.agentId)
        .where('tenant_id', '=', update.tenantId)
        .execute();
    },
  };
}
