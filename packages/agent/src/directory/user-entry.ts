/** Finding the user's entry and turning it into the attributes the cloud receives. */
import { directoryAttributesSchema } from '@openpta/protocol';
import type { Entry } from 'ldapts';
import { findUsers, groupNames, toUserAttributes, type UserAttributes } from './attributes.ts';
import { sidOf } from './bound-token.ts';
import type { DirectoryConnection } from './connection.ts';
import type { DirectoryContext } from './context.ts';
import { AGENT_ERROR_CODES, AgentError } from './errors.ts';
import type { AttributeMatch, InputCheck } from './input.ts';

export type AcceptedInput = InputCheck & { ok: true };

/** Entries matching the login attributes (the caller wants exactly one). */
export async function lookupEntry(
  ctx: DirectoryContext,
  c: DirectoryConnection,
  matches: readonly AttributeMatch[],
  signal: AbortSignal,
): Promise<Entry[]> {
  let entries = await findUsers(c, ctx.attributeSettings, matches, signal);
  const upn = matches.length === 1 && matches[0]!.attribute === 'userPrincipalName' ? matches[0]!.value : undefined;
  const domain = ctx.config.domain;
  if (entries.length === 0 && upn && domain) {
    // AD also accepts the implicit UPN sAMAccountName@<dns domain> for accounts without userPrincipalName.
    const at = upn.lastIndexOf('@');
    if (upn.slice(at + 1).toLowerCase() === domain.toLowerCase()) {
      const bySam = [{ attribute: 'sAMAccountName', value: upn.slice(0, at) }];
      entries = await findUsers(c, ctx.attributeSettings, bySam, signal);
    }
  }
  return entries;
}

/** DirectoryAttributes of an entry, with its groups, checked against the protocol's limits. */
export async function attributesOf(
  ctx: DirectoryContext,
  c: DirectoryConnection,
  entry: Entry,
  signal: AbortSignal,
): Promise<UserAttributes> {
  const base = toUserAttributes(entry, ctx.attributeSettings);
  if (!base) throw new AgentError(AGENT_ERROR_CODES.DC_PROTOCOL, `entry ${entry.dn} has no objectGUID`);
  const groups = await groupNames(c, ctx.attributeSettings, entry, ctx.groupGraph, signal);
  // The wire contract's limits (lengths, group count) are checked here, at the agent's boundary.
  const parsed = directoryAttributesSchema.safeParse(groups ? { ...base, groups } : base);
  if (!parsed.success) {
    throw new AgentError(
      AGENT_ERROR_CODES.DC_PROTOCOL,
      `attributes of ${entry.dn} do not fit the protocol: ${parsed.error.issues[0]?.message}`,
    );
  }
  return parsed.data;
}

/** How a direct (UPN, DOMAIN\user) login finds its entry; search logins already have it. */
export function lookupOf(check: AcceptedInput): AttributeMatch {
  return check.target.kind === 'direct' ? check.target.lookup : check.target.matches[0]!;
}

/** A user as found in the directory: the attributes for the cloud and the account's objectSid (hex). */
export interface FoundUser {
  readonly attributes: UserAttributes;
  readonly sid: string | undefined;
}

/** The user's entry (already found, or looked up now) converted to the attributes for the cloud. */
export async function collectAttributes(
  ctx: DirectoryContext,
  c: DirectoryConnection,
  found: Entry | undefined,
  check: AcceptedInput,
  signal: AbortSignal,
): Promise<FoundUser> {
  const entries = found ? [found] : await lookupEntry(ctx, c, [lookupOf(check)], signal);
  if (entries.length !== 1) {
    throw new AgentError(AGENT_ERROR_CODES.DC_PROTOCOL, `found ${entries.length} entries for the user`);
  }
  const entry = entries[0]!;
  return { attributes: await attributesOf(ctx, c, entry, signal), sid: sidOf(entry) };
}
