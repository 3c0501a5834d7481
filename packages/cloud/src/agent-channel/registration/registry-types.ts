import type { EnvelopePublicKey } from '@openpta/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { SecretBox } from '../../tenants/secret-box.ts';
import type { AgentIdentityErrorCode } from '../pki/errors.ts';
import type { PresentedCertificate } from '../pki/read-agent-certificate.ts';
import type { AgentIdentitySettings } from './defaults.ts';

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
  /** When the agent should renew (issue time + renewAtFraction of the validity). */
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
      identity: {
        agentId: string;
        tenantId: string;
        envelopeKey: EnvelopePublicKey;
        domains?: ReadonlySet<string>;
        certificateFingerprint?: string;
      };
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
