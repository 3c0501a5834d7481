/**
 * The Simple Paged Results control (RFC 2696, AD's 1.2.840.113556.1.4.319). The cookie is the offset of the next
 * entry: stateless, so abandoned paged searches cost nothing. Results may shift if the directory changes between
 * pages, which is acceptable for a trial directory.
 */
import { BerReader, integer, octetString, sequence, TAG } from '../ber/index.ts';
import { protocolError } from '../errors.ts';
import type { Control, ResponseControl } from '../ldap/index.ts';
import { OID } from '../ldap/index.ts';

/** AD's default MaxPageSize. */
export const MAX_PAGE_SIZE = 1000;

export interface PageRequest {
  readonly size: number;
  readonly offset: number;
}

export function readPageRequest(controls: readonly Control[]): PageRequest | undefined {
  const control = controls.find((c) => c.type === OID.pagedResults);
  if (!control) return undefined;
  if (!control.value) throw protocolError('paged results control has no value');
  const outer = new BerReader(control.value);
  const r = outer.readSequence(TAG.SEQUENCE, 'paged results value');
  outer.end('paged results control');
  const size = r.readInteger(TAG.INTEGER, 'page size');
  const cookie = r.readOctetString(TAG.OCTET_STRING, 'cookie');
  r.end('paged results value');
  let offset = 0;
  if (cookie.length > 0) {
    const text = cookie.toString('latin1');
    if (!/^\d{1,9}$/.test(text)) throw protocolError('paged results cookie is not one this server issued');
    offset = Number(text);
  }
  return { size: Math.max(0, Math.min(size, MAX_PAGE_SIZE)), offset };
}

export function pageResponseControl(nextOffset: number | undefined): ResponseControl {
  const cookie = nextOffset === undefined ? Buffer.alloc(0) : Buffer.from(String(nextOffset), 'latin1');
  return { type: OID.pagedResults, value: sequence(TAG.SEQUENCE, integer(0), octetString(cookie)) };
}
