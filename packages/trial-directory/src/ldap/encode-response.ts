/** Encodes LDAP responses (RFC 4511 sections 4.2.2, 4.5.2, 4.6, 4.12, 4.4.1). */
import { contextTag, enumerated, integer, octetString, sequence, TAG } from '../ber/index.ts';
import { OID, RESPONSE_TAG } from './operations.ts';
import type { ResultCode } from './result-codes.ts';

export interface LdapResult {
  readonly code: ResultCode;
  readonly matchedDn?: string;
  readonly message?: string;
}

export interface ResponseControl {
  readonly type: string;
  readonly value?: Buffer;
}

export interface EntryAttribute {
  readonly type: string;
  readonly values: readonly Buffer[];
}

export function encodeMessage(
  messageId: number,
  protocolOp: Buffer,
  controls: readonly ResponseControl[] = [],
): Buffer {
  const parts = [integer(messageId), protocolOp];
  if (controls.length > 0) {
    const encoded = controls.map((c) =>
      sequence(TAG.SEQUENCE, octetString(c.type), ...(c.value ? [octetString(c.value)] : [])),
    );
    parts.push(sequence(contextTag(0, true), ...encoded));
  }
  return sequence(TAG.SEQUENCE, ...parts);
}

function resultComponents(result: LdapResult): Buffer[] {
  return [enumerated(result.code), octetString(result.matchedDn ?? ''), octetString(result.message ?? '')];
}

/** Any response that is exactly an LDAPResult (bind, searchDone, modify, add, delete, modifyDn, compare). */
export function encodeResult(responseTag: number, result: LdapResult): Buffer {
  return sequence(responseTag, ...resultComponents(result));
}

export function encodeSearchEntry(dn: string, attributes: readonly EntryAttribute[]): Buffer {
  return sequence(
    RESPONSE_TAG.searchEntry,
    octetString(dn),
    sequence(
      TAG.SEQUENCE,
      ...attributes.map((a) =>
        sequence(TAG.SEQUENCE, octetString(a.type), sequence(TAG.SET, ...a.values.map((v) => octetString(v)))),
      ),
    ),
  );
}

export function encodeExtendedResponse(result: LdapResult, name?: string, value?: Buffer): Buffer {
  const parts = resultComponents(result);
  if (name !== undefined) parts.push(octetString(name, contextTag(10, false)));
  if (value !== undefined) parts.push(octetString(value, contextTag(11, false)));
  return sequence(RESPONSE_TAG.extended, ...parts);
}

/**
 * RFC 4511 4.4.1 Notice of Disconnection: an unsolicited ExtendedResponse with messageID 0, sent before the server
 * closes a connection it can no longer trust (malformed PDU, protocol error).
 */
export function encodeNoticeOfDisconnection(code: ResultCode, message: string): Buffer {
  return encodeMessage(0, encodeExtendedResponse({ code, message }, OID.noticeOfDisconnection));
}
