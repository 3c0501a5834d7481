/**
 * Evaluates a search filter against one entry (RFC 4511 4.5.1.7) with AD's matching: strings case-insensitive,
 * DN-valued attributes compared as DNs, objectGUID and objectSid byte for byte (objectSid also in its S-1-5-...
 * string form, as AD accepts it), objectCategory=person shorthand, and AD's bitwise and in-chain extensible matching
 * rules. Filter values arrive unescaped from the BER encoding, so a value
 * such as `*)(uid=*` is a literal string here and can only ever match itself.
 */
import type { Filter } from '../ldap/index.ts';
import { OID } from '../ldap/index.ts';
import { normalizeDn } from './dn.ts';
import type { Attribute } from './entry-attributes.ts';
import { BINARY_ATTRIBUTES, DN_ATTRIBUTES } from './entry-attributes.ts';
import type { Directory, DirectoryRecord } from './model.ts';
import { SID_PATTERN, sidToBytes } from './sid.ts';

export interface MatchContext {
  /** Undefined for the root DSE, which is not a directory record. */
  readonly record: DirectoryRecord | undefined;
  readonly attributes: ReadonlyMap<string, Attribute>;
  readonly directory: Directory;
}

export function matchesFilter(filter: Filter, ctx: MatchContext): boolean {
  switch (filter.type) {
    case 'and':
      return filter.filters.every((f) => matchesFilter(f, ctx));
    case 'or':
      return filter.filters.some((f) => matchesFilter(f, ctx));
    case 'not':
      return !matchesFilter(filter.filter, ctx);
    case 'present':
      return ctx.attributes.has(filter.attribute.toLowerCase());
    case 'equality':
    case 'approx':
      return valuesOf(ctx, filter.attribute).some((v) => equals(filter.attribute, v, filter.value));
    case 'greaterOrEqual':
      return valuesOf(ctx, filter.attribute).some((v) => compare(v, filter.value) >= 0);
    case 'lessOrEqual':
      return valuesOf(ctx, filter.attribute).some((v) => compare(v, filter.value) <= 0);
    case 'substrings':
      return valuesOf(ctx, filter.attribute).some((v) => substringMatch(v, filter.initial, filter.any, filter.final));
    case 'extensible':
      return extensibleMatch(filter, ctx);
  }
}

/**
 * Lower-case names of the attributes a filter reads: a search needs only these to decide whether an entry matches
 * (the in-chain rule reads the record itself, not its attributes).
 */
export function filterAttributes(filter: Filter, into = new Set<string>()): Set<string> {
  switch (filter.type) {
    case 'and':
    case 'or':
      for (const f of filter.filters) filterAttributes(f, into);
      break;
    case 'not':
      filterAttributes(filter.filter, into);
      break;
    default:
      if (filter.attribute !== undefined) into.add(filter.attribute.toLowerCase());
  }
  return into;
}

function valuesOf(ctx: MatchContext, attribute: string): readonly Buffer[] {
  return ctx.attributes.get(attribute.toLowerCase())?.values ?? [];
}

function fold(value: Buffer): string {
  return value.toString('utf8').toLowerCase();
}

function equals(attribute: string, stored: Buffer, asserted: Buffer): boolean {
  const name = attribute.toLowerCase();
  if (name === 'objectsid') return stored.equals(sidAssertion(asserted));
  if (BINARY_ATTRIBUTES.has(name)) return stored.equals(asserted);
  if (DN_ATTRIBUTES.has(name)) {
    const assertedText = asserted.toString('utf8');
    // AD accepts the class name for objectCategory (`objectCategory=person` means CN=Person,CN=Schema,...).
    if (name === 'objectcategory' && !assertedText.includes('=')) {
      return fold(stored).startsWith(`cn=${assertedText.toLowerCase()},`);
    }
    const a = normalizeDn(assertedText);
    return a !== undefined && a === normalizeDn(stored.toString('utf8'));
  }
  return fold(stored) === fold(asserted);
}

/** A SID asserted in its string form (objectSid=S-1-5-21-...) is compared as the binary SID it names. */
function sidAssertion(asserted: Buffer): Buffer {
  if (asserted.length > 200 || ((asserted[0] ?? 0) | 0x20) !== 0x73 /* S or s */) return asserted;
  const text = asserted.toString('latin1');
  if (!SID_PATTERN.test(text)) return asserted;
  try {
    return sidToBytes(text);
  } catch {
    return asserted;
  }
}

function compare(stored: Buffer, asserted: Buffer): number {
  const s = stored.toString('utf8');
  const a = asserted.toString('utf8');
  if (/^-?\d+$/.test(s) && /^-?\d+$/.test(a)) {
    const d = BigInt(s) - BigInt(a);
    return d === 0n ? 0 : d > 0n ? 1 : -1;
  }
  const sl = s.toLowerCase();
  const al = a.toLowerCase();
  return sl === al ? 0 : sl > al ? 1 : -1;
}

function substringMatch(stored: Buffer, initial?: Buffer, any: readonly Buffer[] = [], final?: Buffer): boolean {
  const value = fold(stored);
  let position = 0;
  if (initial) {
    const i = fold(initial);
    if (!value.startsWith(i)) return false;
    position = i.length;
  }
  for (const part of any) {
    const p = fold(part);
    const found = value.indexOf(p, position);
    if (found < 0) return false;
    position = found + p.length;
  }
  if (final) {
    const f = fold(final);
    return value.length - f.length >= position && value.endsWith(f);
  }
  return true;
}

function extensibleMatch(filter: Extract<Filter, { type: 'extensible' }>, ctx: MatchContext): boolean {
  const attribute = filter.attribute;
  if (attribute === undefined) return false;
  const values = valuesOf(ctx, attribute);
  switch (filter.rule) {
    case undefined:
      return values.some((v) => equals(attribute, v, filter.value));
    case OID.matchingRuleBitAnd:
    case OID.matchingRuleBitOr: {
      const mask = toBigInt(filter.value);
      if (mask === undefined) return false;
      return values.some((v) => {
        const n = toBigInt(v);
        if (n === undefined) return false;
        return filter.rule === OID.matchingRuleBitAnd ? (n & mask) === mask : (n & mask) !== 0n;
      });
    }
    case OID.matchingRuleInChain:
      return inChain(attribute.toLowerCase(), filter.value, ctx);
    default:
      return false;
  }
}

/** LDAP_MATCHING_RULE_IN_CHAIN: memberOf / member compared through nested groups. */
function inChain(attribute: string, asserted: Buffer, ctx: MatchContext): boolean {
  const target = normalizeDn(asserted.toString('utf8'));
  if (target === undefined) return false;
  const { record, directory } = ctx;
  if (!record) return false;
  if (attribute === 'memberof' && (record.kind === 'user' || record.kind === 'group')) {
    for (const group of directory.transitiveGroups(record)) if (group.key === target) return true;
    return false;
  }
  if (attribute === 'member' && record.kind === 'group') {
    const member = directory.get(target);
    if (member?.kind !== 'user' && member?.kind !== 'group') return false;
    return directory.transitiveGroups(member).has(record);
  }
  return false;
}

function toBigInt(value: Buffer): bigint | undefined {
  const text = value.toString('utf8');
  return /^-?\d{1,20}$/.test(text) ? BigInt(text) : undefined;
}
