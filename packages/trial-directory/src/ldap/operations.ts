/** LDAP protocol operation tags (RFC 4511 section 4 and Appendix B). */
export const REQUEST_TAG = {
  bind: 0x60,
  unbind: 0x42,
  search: 0x63,
  modify: 0x66,
  add: 0x68,
  delete: 0x4a,
  modifyDn: 0x6c,
  compare: 0x6e,
  abandon: 0x50,
  extended: 0x77,
} as const;

export const RESPONSE_TAG = {
  bind: 0x61,
  searchEntry: 0x64,
  searchDone: 0x65,
  modify: 0x67,
  add: 0x69,
  delete: 0x6b,
  modifyDn: 0x6d,
  compare: 0x6f,
  extended: 0x78,
} as const;

/** Extended operation and control OIDs this server knows. */
export const OID = {
  startTls: '1.3.6.1.4.1.1466.20037',
  whoAmI: '1.3.6.1.4.1.4203.1.11.3',
  noticeOfDisconnection: '1.3.6.1.4.1.1466.20036',
  pagedResults: '1.2.840.113556.1.4.319',
  // AD's extensible matching rules: LDAP_MATCHING_RULE_BIT_AND, _BIT_OR, _IN_CHAIN (transitive membership).
  matchingRuleBitAnd: '1.2.840.113556.1.4.803',
  matchingRuleBitOr: '1.2.840.113556.1.4.804',
  matchingRuleInChain: '1.2.840.113556.1.4.1941',
} as const;
