export type { BerElement } from './reader.ts';
export { BerReader, decodeBoolean, decodeInteger, decodeUtf8 } from './reader.ts';
export { applicationTag, contextTag, TAG } from './tags.ts';
export { boolean, enumerated, integer, octetString, sequence, tlv } from './writer.ts';
