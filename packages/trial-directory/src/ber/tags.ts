/** Universal BER tags used by LDAP (X.690 8.1.2, RFC 4511 section 5.1). */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  ENUMERATED: 0x0a,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag numbers: primitive `[n]` and constructed `[n]`. */
export function contextTag(n: number, constructed: boolean): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** Application tag numbers: primitive `[APPLICATION n]` and constructed `[APPLICATION n]`. */
export function applicationTag(n: number, constructed: boolean): number {
  return 0x40 | (constructed ? 0x20 : 0) | n;
}
