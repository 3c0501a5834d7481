/**
 * Every table's row type. Shared file: each feature owner adds its own tables here with a small edit (and a migration
 * under migrations/).
 *
 * Portable column conventions (one set of migrations runs on SQLite and PostgreSQL):
 * - ids: text (random UUIDs or generated identifiers), never auto-increment.
 * - timestamps: epoch milliseconds in `bigint` columns, typed `number` here. The PostgreSQL driver is configured to
 *   parse int8 as a JS number (safe: epoch ms stays below 2^53 for the next 280,000 years).
 * - booleans: `integer` 0/1 (SQLite has no boolean type).
 * - JSON: `text` holding JSON.stringify output; parse it at the service boundary with zod.
 */
export interface TenantsTable {
  id: string;
  /** URL slug, lower-case, unique: part of the tenant's issuer URL. */
  name: string;
  display_name: string;
  /** JSON object. */
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface TenantDomainsTable {
  /** Lower-cased DNS name; the primary key makes a domain unique across all tenants. */
  domain: string;
  tenant_id: string;
  created_at: number;
}

export interface OidcClientsTable {
  client_id: string;
  tenant_id: string;
  name: string;
  /** Client secret sealed with the data key (AES-256-GCM, see tenants/secret-box.ts); null for public clients. */
  client_secret_sealed: string | null;
  /** JSON array of absolute redirect URIs. */
  redirect_uris: string;
  /** 1 = public client (PKCE, no secret), 0 = confidential. */
  public_client: number;
  /** JSON object. */
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface UsersTable {
  /** Stable random id: the OIDC `sub`. Never the UPN (which can change), never a password-derived value. */
  id: string;
  tenant_id: string;
  /** AD objectGUID (lower-case GUID string): the immutable directory key; unique per tenant. */
  object_guid: string;
  upn: string | null;
  /** JSON DirectoryAttributes as last returned by the directory. */
  attributes: string;
  created_at: number;
  updated_at: number;
  last_sign_in_at: number;
}

export interface AdminTokensTable {
  id: string;
  /** SHA-256 of the token, hex. The token itself is never stored. */
  token_hash: string;
  created_at: number;
}

export interface AuditEventsTable {
  id: string;
  time: number;
  actor: string;
  action: string;
  target: string;
  /** JSON object. */
  details: string;
}

export interface OidcPayloadsTable {
  tenant_id: string;
  /** oidc-provider model name: Session, Interaction, AuthorizationCode, AccessToken, RefreshToken, Grant, ... */
  type: string;
  id: string;
  /** JSON payload. */
  payload: string;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  /** Epoch ms; null = no expiry. */
  expires_at: number | null;
  consumed_at: number | null;
}

/** Per-tenant token signing keys (migration 0002-oidc); see oidc/signing-keys.ts for the rotation states. */
export type SigningKeyState = 'next' | 'active' | 'retired';

export interface SigningKeysTable {
  tenant_id: string;
  kid: string;
  alg: string;
  state: SigningKeyState;
  private_jwk: string;
  created_at: number;
  activated_at: number | null;
  retired_at: number | null;
  retire_until: number | null;
}

/** One agent CA per tenant (migration 0003-agents). */
export interface AgentCasTable {
  tenant_id: string;
  certificate_pem: string;
  private_key_sealed: string;
  not_after: number;
  created_at: number;
}

/** Single-use agent registration tokens (0003-agents): hashes only. */
export interface AgentRegistrationTokensTable {
  id: string;
  tenant_id: string;
  token_hash: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by_agent_id: string | null;
  /** 0005-agent-token-revocation: revoked by an administrator before use. */
  revoked_at: number | null;
  revoked_by: string | null;
}

/** Registered agents (0003-agents). */
export interface AgentsTable {
  id: string;
  tenant_id: string;
  name: string;
  hostname: string;
  agent_version: string;
  status: string;
  created_at: number;
  renewed_at: number | null;
  revoked_at: number | null;
  revoked_by: string | null;
  cert_serial: string;
  cert_fingerprint: string;
  cert_not_before: number;
  cert_not_after: number;
  enc_kid: string;
  enc_public_jwk: string;
  connected: number;
  last_seen_at: number | null;
  remote_address: string | null;
  in_flight: number;
  served_count: number;
  failed_count: number;
}

/** TOTP enrolment of a user (migration 0004-protection; mfa/). The secret is sealed, never stored in clear. */
export interface MfaTotpTable {
  user_id: string;
  tenant_id: string;
  /** AES-256-GCM sealed secret bound to tenant and user (mfa/secret-seal.ts). */
  secret_sealed: string;
  /** Null until the user proved the app works with a first code. */
  confirmed_at: number | null;
  /** RFC 6238 time step of the last accepted code: a code from this step or earlier is a replay. */
  last_used_step: number | null;
  created_at: number;
}

/** Single-use recovery codes (0004-protection): SHA-256 hashes only. */
export interface MfaRecoveryCodesTable {
  id: string;
  user_id: string;
  tenant_id: string;
  code_hash: string;
  used_at: number | null;
  created_at: number;
}

/** WebAuthn second-factor credentials (0004-protection). */
export interface WebauthnCredentialsTable {
  /** Credential id, base64url. */
  id: string;
  user_id: string;
  tenant_id: string;
  /** COSE public key, base64url. */
  public_key: string;
  counter: number;
  /** JSON array of transports. */
  transports: string;
  device_type: string;
  backed_up: number;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

/** One sign-in attempt step (0004-protection; sign-in-log/). Never a password, OTP or code. */
export interface SignInLogTable {
  id: string;
  time: number;
  tenant_id: string;
  username: string;
  user_id: string | null;
  client_id: string | null;
  ip: string;
  user_agent: string | null;
  stage: string;
  agent_outcome: string | null;
  result: string;
  agent_id: string | null;
  dc: string | null;
  queue_ms: number | null;
  agent_ms: number | null;
  directory_ms: number | null;
  total_ms: number | null;
  mfa_method: string | null;
  correlation_id: string;
}

/** Smart-lockout state of the shared store (0004-protection; protection/sql-lockout-store.ts). */
export interface LockoutStateTable {
  key: string;
  /** JSON value. */
  value: string;
  expires_at: number;
}

/** Kysely's view of the whole database. */
export interface Database {
  tenants: TenantsTable;
  tenant_domains: TenantDomainsTable;
  oidc_clients: OidcClientsTable;
  users: UsersTable;
  oidc_payloads: OidcPayloadsTable;
  signing_keys: SigningKeysTable;
  admin_tokens: AdminTokensTable;
  audit_events: AuditEventsTable;
  agent_cas: AgentCasTable;
  agent_registration_tokens: AgentRegistrationTokensTable;
  agents: AgentsTable;
  mfa_totp: MfaTotpTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  webauthn_credentials: WebauthnCredentialsTable;
  sign_in_log: SignInLogTable;
  lockout_state: LockoutStateTable;
}
