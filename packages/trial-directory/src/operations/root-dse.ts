/** The root DSE (RFC 4512 5.1): what a client reads before binding, here shaped like an AD domain controller's. */
import type { Attribute } from '../directory/entry-attributes.ts';
import { securityToken } from '../directory/security-token.ts';
import { OID } from '../ldap/index.ts';
import type { OperationContext } from './types.ts';

/**
 * Constructed attributes (MS-ADTS 3.1.1.3.2): computed per connection and returned only when a search names them,
 * never for `*` or an empty attribute list (lower-case names).
 */
export const ROOT_DSE_CONSTRUCTED = new Set(['tokengroups']);

/** `wanted`: lower-case attribute names the search asks for or filters on (constructed ones are built only then). */
export function rootDseAttributes(ctx: OperationContext, wanted: ReadonlySet<string>): Attribute[] {
  const base = ctx.directory.names.baseDn;
  const config = `CN=Configuration,${base}`;
  const text = (type: string, ...values: string[]): Attribute => ({ type, values: values.map((v) => Buffer.from(v)) });
  const attributes = [
    text('objectClass', 'top'),
    text('namingContexts', base, config, `CN=Schema,${config}`),
    text('defaultNamingContext', base),
    text('rootDomainNamingContext', base),
    text('configurationNamingContext', config),
    text('schemaNamingContext', `CN=Schema,${config}`),
    text('dnsHostName', ctx.hostname),
    text('serverName', `CN=DC1,CN=Servers,CN=Default-First-Site-Name,CN=Sites,${config}`),
    text('supportedLDAPVersion', '3'),
    text('supportedExtension', OID.startTls, OID.whoAmI),
    text('supportedControl', OID.pagedResults),
    text('supportedCapabilities', '1.2.840.113556.1.4.800'),
    text('isSynchronized', 'TRUE'),
    text('domainFunctionality', '7'),
    text('forestFunctionality', '7'),
    text('domainControllerFunctionality', '7'),
    text('currentTime', generalizedTime(new Date())),
    // Users and groups do not change while it runs (password changes aside), so the USN an agent's change tracking
    // reads never moves.
    text('highestCommittedUSN', '1'),
    text('vendorName', 'openpta trial directory (for trials and tests only)'),
  ];
  if (ctx.policy.rootDseTokenGroups && wanted.has('tokengroups')) {
    const { user, anonymousBind } = ctx.session;
    const holder = user
      ? { kind: 'user' as const, user }
      : ({ kind: anonymousBind ? 'anonymousBind' : 'none' } as const);
    attributes.push({ type: 'tokenGroups', values: securityToken(holder, ctx.directory.names.domainSid) });
  }
  return attributes;
}

function generalizedTime(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}.0Z`;
}
