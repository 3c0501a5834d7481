/** Decodes an LDAP search Filter (RFC 4511 section 4.5.1.7) from its BER element. */

import type { BerElement } from '../ber/index.ts';
import { BerReader, contextTag, decodeBoolean, decodeUtf8, TAG } from '../ber/index.ts';
import { berError } from '../errors.ts';
import type { Filter } from './messages.ts';

/** Nesting bound: filters are recursive, so a hostile client could otherwise nest deep enough to exhaust the stack. */
export const MAX_FILTER_DEPTH = 32;

const AND = contextTag(0, true);
const OR = contextTag(1, true);
const NOT = contextTag(2, true);
const EQUALITY = contextTag(3, true);
const SUBSTRINGS = contextTag(4, true);
const GREATER_OR_EQUAL = contextTag(5, true);
const LESS_OR_EQUAL = contextTag(6, true);
const PRESENT = contextTag(7, false);
const APPROX = contextTag(8, true);
const EXTENSIBLE = contextTag(9, true);

const AVA_TYPES = new Map<number, 'equality' | 'greaterOrEqual' | 'lessOrEqual' | 'approx'>([
  [EQUALITY, 'equality'],
  [GREATER_OR_EQUAL, 'greaterOrEqual'],
  [LESS_OR_EQUAL, 'lessOrEqual'],
  [APPROX, 'approx'],
]);

export function decodeFilter(element: BerElement, depth = 0): Filter {
  if (depth > MAX_FILTER_DEPTH) throw berError(`filter nested deeper than ${MAX_FILTER_DEPTH}`);
  const { tag, value } = element;
  if (tag === AND || tag === OR) {
    const reader = new BerReader(value);
    const filters: Filter[] = [];
    while (!reader.atEnd) filters.push(decodeFilter(reader.readElement(), depth + 1));
    // RFC 4511 4.5.1.7: `SET SIZE (1..MAX) OF filter`; an empty and/or is not valid on the wire.
    if (filters.length === 0) throw berError('and/or filter has no members');
    return { type: tag === AND ? 'and' : 'or', filters };
  }
  if (tag === NOT) {
    const reader = new BerReader(value);
    const filter = decodeFilter(reader.readElement(), depth + 1);
    reader.end('not filter');
    return { type: 'not', filter };
  }
  const avaType = AVA_TYPES.get(tag);
  if (avaType) {
    const reader = new BerReader(value);
    const attribute = reader.readString(TAG.OCTET_STRING, 'attributeDesc');
    const assertion = reader.readOctetString(TAG.OCTET_STRING, 'assertionValue');
    reader.end('attribute value assertion');
    return { type: avaType, attribute, value: assertion };
  }
  if (tag === PRESENT) return { type: 'present', attribute: decodeUtf8(value, 'present filter') };
  if (tag === SUBSTRINGS) return decodeSubstrings(value);
  if (tag === EXTENSIBLE) return decodeExtensible(value);
  throw berError(`unknown filter choice tag 0x${tag.toString(16)}`);
}

function decodeSubstrings(value: Buffer): Filter {
  const reader = new BerReader(value);
  const attribute = reader.readString(TAG.OCTET_STRING, 'substring attribute');
  const parts = reader.readSequence(TAG.SEQUENCE, 'substrings');
  reader.end('substring filter');
  let initial: Buffer | undefined;
  let final: Buffer | undefined;
  const any: Buffer[] = [];
  let count = 0;
  while (!parts.atEnd) {
    const part = parts.readElement();
    count++;
    // RFC 4511: initial may appear only first, final only last.
    if (part.tag === contextTag(0, false) && count === 1) initial = part.value;
    else if (part.tag === contextTag(1, false) && final === undefined) any.push(part.value);
    else if (part.tag === contextTag(2, false) && final === undefined) final = part.value;
    else throw berError('substring filter parts are out of order or unknown');
  }
  if (count === 0) throw berError('substring filter has no parts');
  return { type: 'substrings', attribute, initial, any, final };
}

function decodeExtensible(value: Buffer): Filter {
  const reader = new BerReader(value);
  let rule: string | undefined;
  let attribute: string | undefined;
  let assertion: Buffer | undefined;
  let dnAttributes = false;
  while (!reader.atEnd) {
    const { tag, value: v } = reader.readElement();
    if (tag === contextTag(1, false) && rule === undefined && attribute === undefined && assertion === undefined) {
      rule = decodeUtf8(v, 'matchingRule');
    } else if (tag === contextTag(2, false) && attribute === undefined && assertion === undefined) {
      attribute = decodeUtf8(v, 'extensible type');
    } else if (tag === contextTag(3, false) && assertion === undefined) {
      assertion = v;
    } else if (tag === contextTag(4, false) && assertion !== undefined) {
      dnAttributes = decodeBoolean(v, 'dnAttributes');
    } else {
      throw berError('extensible match has unexpected or repeated parts');
    }
  }
  if (assertion === undefined) throw berError('extensible match has no matchValue');
  return { type: 'extensible', rule, attribute, value: assertion, dnAttributes };
}
