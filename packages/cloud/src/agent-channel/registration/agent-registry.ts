import { randomUUID, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import {
  type EnvelopePublicKey,
  type EnvelopeRecipient,
  importEnvelopePublicKey,
  ProtocolError,
} from '@openpta/protocol';
import type { Kysely } from 'kysely';
import { recordAudit } from '../../admin/audit.ts';
import { notFound } from '../../errors.ts';
import type { AgentsTable, Database } from '../../store/schema.ts';
import type { SecretBox } from '../../tenants/secret-box.ts';
import { type AgentCaStore, createAgentCaStore } from '../pki/agent-ca.ts';
import { AgentIdentityError, type AgentIdentityErrorCode } from '../pki/errors.ts';
import { caPin, certificateSha256Hex, formatFingerprint } from '../pki/fingerprint.ts';
import { issueAgentCertificate, verifyAgentCsr } from '../pki/issue-agent-certificate.ts';
import { type PresentedCertificate, readAgentCertificate } from '../pki/read-agent-certificate.ts';
import { AgentEvents } from './agent-events.ts';
import { type AgentView, agentView } from './agent-view.ts';
import { AGENT_IDENTITY_DEFAULTS, type AgentIdentitySettings } from './defaults.ts';
import { newRegistrationToken, parseRegistrationToken, tokenSecretMatches } from './registration-token.ts';

export interface AgentRegistryOptions {
  db: Kysely<Database>;
  secretBox: SecretBox;
  /** The CA certificate (PEM) that issued the cloud's TLS server certificate: its hash is the pin in every token. */
  serverTrustAnchorPem: string;
  settings?: Partial<AgentIdentitySettings>;
  now?: () => number;
}

/** What the agent receives at registration and renewal. */
export interface AgentCredentials {
  agentId: string;
  tenantId: string;
  certificatePem: string;
  /** The tenant's agent CA (informational: the agent authenticates with the certificate, it never trusts this CA). */
  agentCaPem: string;
  notBefore: number;
  notAfter: number;
  /** When the agent should renew (notBefore + renewAtFraction of the validity). */
  renewAfter: number;
  encryptionKid: string;
}

export interface AuthenticatedAgent {
  agentId: string;
  tenantId: string;
  name: string;
  certificateFingerprint: string;
  certificateNotAfter: number;
  /** The agent's current encryption key: seal this agent's copies to it. */
  envelopeKey: EnvelopePublicKey;
}

export type AgentAuthenticationResult =
  | { ok: true; agent: AuthenticatedAgent }
  | { ok: false; code: AgentIdentityErrorCode; message: string };

/** The same check in the shape the gateway consumes (terminal `revoked` vs `unauthorized`). */
export type AgentSocketAuthenticationResult =
  | {
      ok: true;
      identity: { agentId: string; tenantId: string; envelopeKey: EnvelopePublicKey; domains?: ReadonlySet<string> };
    }
  | { ok: false; code: 'unauthorized' | 'revoked'; reason: string };

/** Activity the gateway flushes (shape of gateway/types.ts AgentActivity). */
export interface AgentActivityUpdate {
  agentId: string;
  tenantId: string;
  lastSeen: number;
  inFlight: number;
  servedDelta: number;
  failedDelta: number;
  connected: boolean;
  remoteAddress?: string | undefined;
  agentVersion?: string | undefined;
  hostname?: string | undefined;
}

export interface RegisterInput {
  token: string;
  /** The tenant the agent means to join (name or id), when the operator said; a token of another tenant is refused. */
  tenant?: string | undefined;
  csrPem: string;
  encryptionKey: unknown;
  hostname: string;
  agentVersion: string;
  name?: string | undefined;
}

export interface RenewInput {
  peerCertificate: PresentedCertificate;
  csrPem: string;
  encryptionKey: unknown;
}

export interface CreatedRegistrationToken {
  token: string;
  tokenId: string;
  tenantId: string;
  expiresAt: number;
  /** SHA-256 of the cloud's TLS CA certificate, as `openssl x509 -fingerprint -sha256` prints it. */
  caFingerprint: string;
}

export type AgentRegistry = ReturnType<typeof createAgentRegistry>;

/**
 * Agent identity: registration tokens, registration, renewal, revocation, certificate authentication, the agents list
 * and activity. Stateless apart from the database (and an in-process event emitter), so any cloud node can serve it.
 */
export function createAgentRegistry(options: AgentRegistryOptions) {
  const { db } = options;
  const now = options.now ?? Date.now;
  const settings: AgentIdentitySettings = { ...AGENT_IDENTITY_DEFAULTS, ...options.settings };
  const cas: AgentCaStore = createAgentCaStore({ db, secretBox: options.secretBox, now });
  const events = new AgentEvents();
  const pin = caPin(options.serverTrustAnchorPem);
  const fingerprint = formatFingerprint(certificateSha256Hex(options.serverTrustAnchorPem));

  function parseEncryptionKey(jwk: unknown): EnvelopePublicKey {
    try {
      return importEnvelopePublicKey(jwk);
    } catch (error) {
      if (error instanceof ProtocolError) throw new AgentIdentityError('ENCRYPTION_KEY_INVALID');
      throw error;
    }
  }

  function credentials(
    row: { id: string; tenant_id: string },
    issued: { pem: string; notBefore: number; notAfter: number },
    issuedAt: number,
    caPem: string,
    kid: string,
  ): AgentCredentials {
    return {
      agentId: row.id,
      tenantId: row.tenant_id,
      certificatePem: issued.pem,
      agentCaPem: caPem,
      notBefore: issued.notBefore,
      notAfter: issued.notAfter,
      // From the issue time, not notBefore (which is backdated for clock skew).
      renewAfter: Math.round(issuedAt + (issued.notAfter - issuedAt) * settings.renewAtFraction),
      encryptionKid: kid,
    };
  }

  const parsedCas = new Map<string, X509Certificate>();
  function parsedCa(pem: string): X509Certificate {
    let parsed = parsedCas.get(pem);
    if (!parsed) {
      parsed = new X509Certificate(pem);
      parsedCas.set(pem, parsed);
    }
    return parsed;
  }

  async function requireAgentRow(agentId: string): Promise<AgentsTable> {
    const row = await db.selectFrom('agents').selectAll().where('id', '=', agentId).executeTakeFirst();
    if (!row) throw notFound(`agent ${agentId}`);
    return row;
  }

  /** Throws AgentIdentityError; returns the row and facts of a currently valid agent certificate. */
  async function authenticate(presented: PresentedCertificate) {
    const facts = readAgentCertificate(presented);
    const row = await db.selectFrom('agents').selectAll().where('id', '=', facts.agentId).executeTakeFirst();
    if (!row) throw new AgentIdentityError('AGENT_UNKNOWN');
    if (row.tenant_id !== facts.tenantId) throw new AgentIdentityError('CERT_INVALID', 'tenant mismatch');
    if (row.status === 'revoked') throw new AgentIdentityError('AGENT_REVOKED');
    const ca = await cas.forTenant(row.tenant_id);
    // Defence in depth: the fingerprint below already pins the exact certificate we issued.
    const caCertificate = parsedCa(ca.pem);
    if (!facts.certificate.checkIssued(caCertificate) || !facts.certificate.verify(caCertificate.publicKey)) {
      throw new AgentIdentityError('CERT_INVALID', 'not issued by the tenant agent CA');
    }
    if (facts.fingerprint !== row.cert_fingerprint) throw new AgentIdentityError('CERT_SUPERSEDED');
    const time = now();
    if (time >= facts.notAfter) throw new AgentIdentityError('CERT_EXPIRED');
    if (time < facts.notBefore) throw new AgentIdentityError('CERT_INVALID', 'not yet valid (clock skew?)');
    return { row, facts };
  }

  return {
    settings,
    events,
    /** Pin of the cloud's TLS CA (base64url SHA-256), as carried in tokens. */
    caPin: pin,

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

    async register(input: RegisterInput): Promise<AgentCredentials> {
      const parsed = parseRegistrationToken(input.token);
      const token = await db
        .selectFrom('agent_registration_tokens')
        .selectAll()
        .where('id', '=', parsed.id)
        .executeTakeFirst();
      // Hash comparison even for unknown ids, so the response time does not tell which ids exist.
      const matches = tokenSecretMatches(parsed.secret, token?.token_hash ?? '0'.repeat(64));
      if (!token || !matches) throw new AgentIdentityError('TOKEN_INVALID');
      if (input.tenant !== undefined) {
        const tenant = await db
          .selectFrom('tenants')
          .select(['id', 'name'])
          .where('id', '=', token.tenant_id)
          .executeTakeFirst();
        if (!tenant || (input.tenant !== tenant.id && input.tenant !== tenant.name)) {
          throw new AgentIdentityError('TOKEN_WRONG_TENANT');
        }
      }
      if (token.used_at !== null) throw new AgentIdentityError('TOKEN_USED');
      const time = now();
      if (time >= Number(token.expires_at)) throw new AgentIdentityError('TOKEN_EXPIRED');

      const csr = await verifyAgentCsr(input.csrPem);
      const envelopeKey = parseEncryptionKey(input.encryptionKey);
      const agentId = randomUUID();
      // Consume first, atomically: of two concurrent registrations with one token, exactly one gets past here.
      const consumed = await db
        .updateTable('agent_registration_tokens')
        .set({ used_at: time, used_by_agent_id: agentId })
        .where('id', '=', token.id)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(consumed.numUpdatedRows) !== 1) throw new AgentIdentityError('TOKEN_USED');

      const ca = await cas.forTenant(token.tenant_id);
      const issued = await issueAgentCertificate({
        ca,
        csr,
        tenantId: token.tenant_id,
        agentId,
        validityMs: settings.certificateValidityMs,
        now: time,
      });
      const row = {
        id: agentId,
        tenant_id: token.tenant_id,
        name: input.name ?? input.hostname,
        hostname: input.hostname,
        agent_version: input.agentVersion,
        status: 'active',
        created_at: time,
        renewed_at: null,
        revoked_at: null,
        revoked_by: null,
        cert_serial: issued.serial,
        cert_fingerprint: issued.fingerprint,
        cert_not_before: issued.notBefore,
        cert_not_after: issued.notAfter,
        enc_kid: envelopeKey.kid,
        enc_public_jwk: JSON.stringify(envelopeKey.jwk),
        connected: 0,
        last_seen_at: null,
        remote_address: null,
        in_flight: 0,
        served_count: 0,
        failed_count: 0,
      };
      await db.insertInto('agents').values(row).execute();
      await recordAudit(
        db,
        {
          actor: `registration-token:${token.id}`,
          action: 'agent.register',
          target: `agent:${agentId}`,
          details: {
            tenantId: token.tenant_id,
            hostname: input.hostname,
            version: input.agentVersion,
            certificateSerial: issued.serial,
            certificateNotAfter: issued.notAfter,
            encryptionKid: envelopeKey.kid,
          },
        },
        time,
      );
      return credentials(row, issued, time, ca.pem, envelopeKey.kid);
    },

    async renew(input: RenewInput): Promise<AgentCredentials> {
      const { row, facts } = await authenticate(input.peerCertificate);
      const csr = await verifyAgentCsr(input.csrPem);
      const envelopeKey = parseEncryptionKey(input.encryptionKey);
      const time = now();
      const ca = await cas.forTenant(row.tenant_id);
      const issued = await issueAgentCertificate({
        ca,
        csr,
        tenantId: row.tenant_id,
        agentId: row.id,
        validityMs: settings.certificateValidityMs,
        now: time,
      });
      // Only the certificate that authenticated this call may be replaced (two renewals racing: one wins).
      const updated = await db
        .updateTable('agents')
        .set({
          cert_serial: issued.serial,
          cert_fingerprint: issued.fingerprint,
          cert_not_before: issued.notBefore,
          cert_not_after: issued.notAfter,
          enc_kid: envelopeKey.kid,
          enc_public_jwk: JSON.stringify(envelopeKey.jwk),
          renewed_at: time,
        })
        .where('id', '=', row.id)
        .where('cert_fingerprint', '=', facts.fingerprint)
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new AgentIdentityError('CERT_SUPERSEDED');
      await recordAudit(
        db,
        {
          actor: `agent:${row.id}`,
          action: 'agent.renew',
          target: `agent:${row.id}`,
          details: {
            tenantId: row.tenant_id,
            certificateSerial: issued.serial,
            certificateNotAfter: issued.notAfter,
            previousCertificateSerial: row.cert_serial,
            encryptionKid: envelopeKey.kid,
            previousEncryptionKid: row.enc_kid,
          },
        },
        time,
      );
      events.emitRenewed({
        agentId: row.id,
        tenantId: row.tenant_id,
        encryptionKid: envelopeKey.kid,
        previousFingerprint: facts.fingerprint,
      });
      return credentials(row, issued, time, ca.pem, envelopeKey.kid);
    },

    /**
     * Checks a presented client certificate: an agent identity SAN, issued by its tenant's agent CA, exactly the
     * agent's current certificate (not superseded by a renewal), not expired, agent not revoked. Never throws for a
     * bad certificate: the result says why. Call it for every new connection.
     */
    async authenticateAgentCertificate(presented: PresentedCertificate): Promise<AgentAuthenticationResult> {
      try {
        const { row, facts } = await authenticate(presented);
        return {
          ok: true,
          agent: {
            agentId: row.id,
            tenantId: row.tenant_id,
            name: row.name,
            certificateFingerprint: facts.fingerprint,
            certificateNotAfter: facts.notAfter,
            envelopeKey: importEnvelopePublicKey(JSON.parse(row.enc_public_jwk)),
          },
        };
      } catch (error) {
        if (error instanceof AgentIdentityError) return { ok: false, code: error.reason, message: error.message };
        throw error;
      }
    },

    /** authenticateAgentCertificate for a TLS socket, in the gateway's AuthenticateAgent shape. */
    async authenticateAgentSocket(socket: TLSSocket): Promise<AgentSocketAuthenticationResult> {
      const result = await this.authenticateAgentCertificate(socket.getPeerCertificate(false));
      if (result.ok) {
        const { agentId, tenantId, envelopeKey } = result.agent;
        return { ok: true, identity: { agentId, tenantId, envelopeKey } };
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
