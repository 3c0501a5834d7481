/**
 * The SIDs of a connection's security token, as the root DSE's constructed `tokenGroups` attribute lists them
 * (MS-ADTS 3.1.1.3.2.10). Order and content as Samba 4.17 answers (measured on the test bed): for a bound user its own
 * SID, Domain Users (the primary group), its security groups direct and nested (depth first, each group followed by
 * the groups it is in), then Everyone, Network, Authenticated Users, BUILTIN\Users and Pre-Windows 2000 Compatible
 * Access. After an anonymous bind: Anonymous Logon, Everyone, Network; on a connection that never bound (or whose
 * last bind failed): Anonymous Logon alone.
 */
import type { GroupRecord, UserRecord } from './model.ts';
import { DOMAIN_USERS_RID, sidToBytes, WELL_KNOWN_SIDS } from './sid.ts';

export type TokenHolder =
  | { readonly kind: 'user'; readonly user: UserRecord }
  | { readonly kind: 'anonymousBind' | 'none' };

const WK = WELL_KNOWN_SIDS;
const USER_WELL_KNOWN = [WK.everyone, WK.network, WK.authenticatedUsers, WK.builtinUsers, WK.preWindows2000].map(
  sidToBytes,
);
const ANONYMOUS_BIND = [WK.anonymous, WK.everyone, WK.network].map(sidToBytes);
const NOT_BOUND = [sidToBytes(WK.anonymous)];

export function securityToken(holder: TokenHolder, domainSid: string): Buffer[] {
  if (holder.kind !== 'user') return holder.kind === 'none' ? NOT_BOUND : ANONYMOUS_BIND;
  const { user } = holder;
  const groups: GroupRecord[] = [];
  const seen = new Set<GroupRecord>();
  const visit = (group: GroupRecord): void => {
    if (seen.has(group)) return; // nesting cycles are tolerated, as in transitiveGroups
    seen.add(group);
    groups.push(group);
    for (const parent of group.memberOf) visit(parent);
  };
  for (const group of user.groups) visit(group);
  const domainUsers = sidToBytes(`${domainSid}-${DOMAIN_USERS_RID}`);
  const own = [user.sid, domainUsers, ...groups.map((g) => g.sid)].filter((s): s is Buffer => s !== undefined);
  return [...own, ...USER_WELL_KNOWN];
}
