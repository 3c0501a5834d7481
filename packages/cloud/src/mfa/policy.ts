import type { MfaPolicy } from '../protection/settings.ts';

/**
 * Whether a user must present a second factor under the tenant's policy. For `groups`, a user is in scope when any
 * of their directory groups matches a policy group, compared case-insensitively (AD names are case-insensitive),
 * either as the whole value (a DN or a plain name) or as the leading CN of a DN (so `VPN Users` matches
 * `CN=VPN Users,OU=Groups,DC=example,DC=test`). Unknown groups (attributes not sent by the agent) mean "not a member":
 * the secure choice for such tenants is `required`.
 */
export function mfaRequired(policy: MfaPolicy, userGroups: readonly string[] | undefined): boolean {
  if (policy.mode === 'off') return false;
  if (policy.mode === 'required') return true;
  const wanted = new Set(policy.groups.map((g) => g.trim().toLowerCase()));
  for (const group of userGroups ?? []) {
    const whole = group.trim().toLowerCase();
    if (wanted.has(whole)) return true;
    const cn = leadingCn(group);
    if (cn !== null && wanted.has(cn.toLowerCase())) return true;
  }
  return false;
}

/** The value of the first RDN when it is CN=..., with RFC 4514 escapes removed; null otherwise. */
function leadingCn(dn: string): string | null {
  const match = /^\s*cn\s*=\s*((?:\\.|[^,\\])*)/i.exec(dn);
  if (!match) return null;
  return match[1]!
    .replace(/\\([0-9a-f]{2}|.)/gi, (_, esc: string) =>
      esc.length === 2 ? String.fromCharCode(Number.parseInt(esc, 16)) : esc,
    )
    .trim();
}
