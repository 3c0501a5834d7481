/**
 * Who the DC says a connection is bound as: the SIDs of the bound session's security token, read from the root DSE's
 * constructed `tokenGroups` attribute (MS-ADTS 3.1.1.3.2; Samba's rootdse module lists the session token's SIDs, the
 * user's own SID first). It is a base read of an in-memory object: on the test bed about 180 us of DC CPU, against
 * about 400 us for the user lookup by UPN (bench/dc-capacity-probe.ts).
 *
 * The verified attribute cache (attribute-cache.ts) uses it after a successful user bind: the account that has just
 * proved the password is the cached one when the cached objectSid is in the token, and its security groups are
 * unchanged when the whole token is. "Who am I?" (RFC 4532) would name the account too, but Samba 4.17 refuses it
 * and it says nothing about groups.
 */
import type { DirectoryConnection } from './connection.ts';
import { rawValues } from './entry-values.ts';
import { AGENT_ERROR_CODES, AgentError } from './errors.ts';

export interface BoundToken {
  /** Every SID of the token, as lowercase hex of the binary SID (the form objectSid is compared in). */
  readonly sids: ReadonlySet<string>;
  /** The sorted SIDs joined: equal keys mean the same security token (same account, same security groups). */
  readonly key: string;
}

export async function readBoundToken(c: DirectoryConnection, signal?: AbortSignal): Promise<BoundToken> {
  const entries = await c.search(
    '',
    { scope: 'base', attributes: ['tokenGroups'], explicitBufferAttributes: ['tokenGroups'] },
    signal,
  );
  const values = entries[0] ? rawValues(entries[0], 'tokenGroups') : [];
  const sids = values.flatMap((v) => (Buffer.isBuffer(v) ? [v.toString('hex')] : []));
  if (sids.length === 0) {
    throw new AgentError(AGENT_ERROR_CODES.DC_PROTOCOL, 'the root DSE returned no tokenGroups for the bound user');
  }
  return { sids: new Set(sids), key: [...sids].sort().join(',') };
}

/** The objectSid of an entry as lowercase hex, or undefined when the entry has none. */
export function sidOf(entry: Readonly<Record<string, unknown>>): string | undefined {
  const value = rawValues(entry, 'objectSid')[0];
  return Buffer.isBuffer(value) && value.length >= 8 ? value.toString('hex') : undefined;
}
