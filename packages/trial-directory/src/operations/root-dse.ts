/** The root DSE (RFC 4512 5.1): what a client reads before binding, here shaped like an AD domain controller's. */
import type { Attribute } from '../directory/entry-attributes.ts';
import { OID } from '../ldap/index.ts';
import type { OperationContext } from './types.ts';

export function rootDseAttributes(ctx: OperationContext): Attribute[] {
  const base = ctx.directory.names.baseDn;
  const config = `CN=Configuration,${base}`;
  const text = (type: string, ...values: string[]): Attribute => ({ type, values: values.map((v) => Buffer.from(v)) });
  return [
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
    text('vendorName', 'openpta trial directory (for trials and tests only)'),
  ];
}

function generalizedTime(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}.0Z`;
}
