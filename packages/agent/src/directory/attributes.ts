/**
 * The user's directory attributes that the cloud receives on `ok`: the immutable id (objectGUID as a GUID string),
 * the configured attributes, and group names (direct, or direct and nested by LDAP_MATCHING_RULE_IN_CHAIN).
 */
import type { DirectoryAttributes } from '@openpta/protocol';
import type { Entry } from 'ldapts';
import type { DirectoryConnection } from './connection.ts';
import { textValues } from './entry-values.ts';
import { nestedGroupsFilter, userFilter } from './filter.ts';
import type { GroupGraph } from './group-graph.ts';
import { guidToString } from './guid.ts';
import type { AttributeMatch } from './input.ts';

/** The cloud's view of a user (packages/protocol DirectoryAttributes). */
export type UserAttributes = DirectoryAttributes;

/** Names of DirectoryAttributes fields an operator may select, and the AD attribute each one reads. */
export const ATTRIBUTE_SOURCES = {
  upn: 'userPrincipalName',
  sam: 'sAMAccountName',
  displayName: 'displayName',
  givenName: 'givenName',
  sn: 'sn',
  mail: 'mail',
} as const;

export type SelectableAttribute = keyof typeof ATTRIBUTE_SOURCES | 'dn';

export interface AttributeSettings {
  readonly baseDn: string;
  readonly include: readonly SelectableAttribute[];
  readonly groups: 'nested' | 'nested-in-chain' | 'direct' | 'none';
  readonly groupNameAttribute: string;
}

/**
 * AD attributes to request when finding the user: objectGUID always (the immutable id), objectSid always (the
 * verified attribute cache matches it against the bound session's token).
 */
export function requestedAttributes(settings: AttributeSettings): string[] {
  // Computed once per settings object: it is asked for on every sign-in.
  const known = requested.get(settings);
  if (known) return known;
  const wanted = settings.include.flatMap((name) => (name === 'dn' ? [] : [ATTRIBUTE_SOURCES[name]]));
  // memberOf feeds the group graph (group-graph.ts) for 'nested' and 'direct'.
  const memberOf = settings.groups === 'nested' || settings.groups === 'direct' ? ['memberOf'] : [];
  const list = [...new Set(['objectGUID', 'objectSid', ...wanted, ...memberOf])];
  requested.set(settings, list);
  return list;
}

const requested = new WeakMap<AttributeSettings, string[]>();

/** Searches the user entries matching the login attributes (size limit 2: one is enough, two is ambiguous). */
export function findUsers(
  connection: DirectoryConnection,
  settings: AttributeSettings,
  matches: readonly AttributeMatch[],
  signal?: AbortSignal,
): Promise<Entry[]> {
  return connection.search(
    settings.baseDn,
    {
      scope: 'sub',
      filter: userFilter(matches),
      sizeLimit: 2,
      attributes: requestedAttributes(settings),
      explicitBufferAttributes: ['objectGUID', 'objectSid'],
    },
    signal,
  );
}

function text(value: Entry[string] | undefined): string | string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    const list = (value as (string | Buffer)[]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
    // ldapts returns [] for a requested attribute the entry does not have.
    if (list.length === 0) return undefined;
    return list.length === 1 ? list[0] : list;
  }
  return Buffer.isBuffer(value) ? value.toString('utf8') : value;
}

/** Converts a found entry to DirectoryAttributes; null when it has no objectGUID (not an AD user object). */
export function toUserAttributes(entry: Entry, settings: AttributeSettings): DirectoryAttributes | null {
  const guid = entry.objectGUID;
  const guidBytes = Array.isArray(guid) ? guid[0] : guid;
  if (!Buffer.isBuffer(guidBytes) || guidBytes.length !== 16) return null;
  const out: Record<string, string> = { objectGuid: guidToString(guidBytes) };
  // ldapts returns attribute names as the server spells them; match case-insensitively.
  const byLower = new Map(Object.keys(entry).map((k) => [k.toLowerCase(), k]));
  for (const name of settings.include) {
    if (name === 'dn') {
      out.dn = entry.dn;
      continue;
    }
    const key = byLower.get(ATTRIBUTE_SOURCES[name].toLowerCase());
    const value = key ? text(entry[key]) : undefined;
    // All selectable attributes are single-valued in AD's schema.
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first;
  }
  return out as unknown as DirectoryAttributes;
}

/**
 * Group names of a user: from the entry's memberOf through the cached group graph ('nested', 'direct'), or by one
 * LDAP_MATCHING_RULE_IN_CHAIN search ('nested-in-chain').
 */
export async function groupNames(
  connection: DirectoryConnection,
  settings: AttributeSettings,
  entry: Entry,
  graph: GroupGraph,
  signal?: AbortSignal,
): Promise<string[] | undefined> {
  if (settings.groups === 'none') return undefined;
  if (settings.groups !== 'nested-in-chain') {
    const direct = textValues(entry, 'memberOf');
    return graph.names(connection, direct, settings.groups === 'nested', signal);
  }
  const entries = await connection.search(
    settings.baseDn,
    {
      scope: 'sub',
      filter: nestedGroupsFilter(entry.dn),
      attributes: [settings.groupNameAttribute],
      paged: { pageSize: 500 },
    },
    signal,
  );
  const names: string[] = [];
  for (const e of entries) {
    const key = Object.keys(e).find((k) => k.toLowerCase() === settings.groupNameAttribute.toLowerCase());
    const value = key ? text(e[key]) : undefined;
    if (typeof value === 'string') names.push(value);
    else if (Array.isArray(value) && value[0]) names.push(value[0]);
  }
  return names.sort();
}
