/**
 * TLS settings for connections to DCs: the CA (a file, or the system store), the host name check (Node's
 * checkServerIdentity against the configured server name), an optional SHA-256 pin of the DC's own certificate, and a
 * minimum protocol version.
 */
import { readFileSync } from 'node:fs';
import { type ConnectionOptions, checkServerIdentity, getCACertificates, type PeerCertificate } from 'node:tls';
import type { TlsConfig } from '../config/schema.ts';
import { AGENT_ERROR_CODES, AgentError } from './errors.ts';

export type TlsBase = Pick<ConnectionOptions, 'ca' | 'minVersion' | 'checkServerIdentity' | 'rejectUnauthorized'>;

/** Builds the TLS options shared by every DC connection; reads the CA file once, at start-up. */
export function buildTlsBase(tls: TlsConfig): TlsBase {
  let ca: string | string[];
  if (tls.caFile) {
    try {
      ca = readFileSync(tls.caFile, 'utf8');
    } catch (error) {
      throw new AgentError(
        AGENT_ERROR_CODES.CONFIG_INVALID,
        `cannot read directory.tls.caFile ${tls.caFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
  } else {
    // The operating system's trust store (where enterprises install their AD CS root), plus Node's bundled roots.
    ca = [...getCACertificates('system'), ...getCACertificates('bundled')];
  }
  const pins = new Set(tls.pinSha256);
  return {
    ca,
    minVersion: tls.minVersion,
    rejectUnauthorized: true,
    checkServerIdentity: (host: string, cert: PeerCertificate): Error | undefined => {
      const nameError = checkServerIdentity(host, cert);
      if (nameError) return nameError;
      if (pins.size > 0) {
        const actual = cert.fingerprint256.replace(/:/g, '').toUpperCase();
        if (!pins.has(actual)) {
          const error = new Error(`certificate of ${host} does not match the configured pin (got SHA-256 ${actual})`);
          (error as NodeJS.ErrnoException).code = AGENT_ERROR_CODES.DC_TLS;
          return error;
        }
      }
      return undefined;
    },
  };
}
