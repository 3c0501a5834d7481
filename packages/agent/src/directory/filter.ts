/**
 * LDAP filter building with every value escaped per RFC 4515 section 3: `*`, `(`, `)`, `\` and NUL become `\2a`,
 * `\28`, `\29`, `\5c`, `\00`. Without it a username such as `*)(objectClass=*` would widen the search
 * (filter injection, as in CVE-2026-44671). Attribute names come from the validated configuration only.
 */
import type { AttributeMatch } from './input.ts';

export function escapeFilterValue(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the characters RFC 4515 requires escaping.
  return value.replace(/[*()\\\u0000]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `(&(objectCategory=person)(objectClass=user)(|(a=v)(b=v)))`: only user objects, any of the login attributes. */
export function userFilter(matches: readonly AttributeMatch[]): string {
  const terms = matches.map((m) => `(${m.attribute}=${escapeFilterValue(m.value)})`);
  const any = terms.length === 1 ? terms[0] : `(|${terms.join('')})`;
  return `(&(objectCategory=person)(objectClass=user)${any})`;
}

/**
 * Groups of a user, direct and nested, by AD's LDAP_MATCHING_RULE_IN_CHAIN (1.2.840.113556.1.4.1941), which walks
 * `member` transitively on the DC in one search.
 */
export function nestedGroupsFilter(userDn: string): string {
  return `(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=${escapeFilterValue(userDn)}))`;
}
