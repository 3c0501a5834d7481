import { z } from 'zod';

/** HTTP paths of the agent identity API (relative to the cloud's base URL). */
export const AGENT_REGISTER_PATH = '/agent/v1/register';
export const AGENT_RENEW_PATH = '/agent/v1/renew';
/** The WebSocket the agent holds open (gateway). */
export const AGENT_CONNECT_PATH = '/agent/v1/connect';

const csrSchema = z.string().min(100).max(16_384);
/** The X25519 public JWK; fully checked by importEnvelopePublicKey. */
const encryptionKeySchema = z.record(z.string(), z.unknown());

/** POST /agent/v1/register (no client certificate). */
export const registerRequestSchema = z
  .object({
    token: z.string().min(1).max(256),
    /** The tenant the agent means to join (name or id); a token of another tenant is refused. */
    tenant: z.string().min(1).max(200).optional(),
    /** PKCS#10 PEM for the agent's TLS client key (EC P-256), signed by that key. */
    csr: csrSchema,
    encryptionKey: encryptionKeySchema,
    hostname: z.string().trim().min(1).max(253),
    agentVersion: z.string().min(1).max(64),
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

/** POST /agent/v1/renew (mutual TLS with the current certificate): a new TLS key and a new encryption key. */
export const renewRequestSchema = z.object({ csr: csrSchema, encryptionKey: encryptionKeySchema }).strict();

/** The answer to both: the agent's (new) certificate. Times are epoch ms. */
export const agentCredentialsSchema = z.object({
  agentId: z.string().min(1).max(64),
  tenantId: z.string().min(1).max(64),
  certificatePem: z.string().min(100).max(16_384),
  agentCaPem: z.string().min(100).max(16_384),
  notBefore: z.number().int(),
  notAfter: z.number().int(),
  renewAfter: z.number().int(),
  encryptionKid: z.string().min(1).max(128),
});

/** Error body of every non-2xx answer: `reason` is a stable code (AGENT_IDENTITY_ERRORS in the cloud). */
export const identityErrorSchema = z.object({
  error: z.string(),
  message: z.string(),
  reason: z.string().optional(),
});

export type RegisterRequest = z.infer<typeof registerRequestSchema>;
export type RenewRequest = z.infer<typeof renewRequestSchema>;
export type AgentCredentialsResponse = z.infer<typeof agentCredentialsSchema>;
