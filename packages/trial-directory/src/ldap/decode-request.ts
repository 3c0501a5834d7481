/**
 * Decodes one complete LDAPMessage PDU (RFC 4511 section 4.1.1) into a typed request. Anything that is not exactly
 * what the RFC describes throws a TrialDirectoryError; the connection then ends with a Notice of Disconnection.
 */
import { BerReader, contextTag, decodeInteger, TAG } from '../ber/index.ts';
import { berError, protocolError } from '../errors.ts';
import { decodeFilter } from './decode-filter.ts';
import type { Control, LdapMessage, LdapRequest, Modification, SearchScope } from './messages.ts';
import { REQUEST_TAG } from './operations.ts';

const SCOPES: readonly SearchScope[] = ['base', 'one', 'sub'];
const MOD_OPERATIONS = ['add', 'delete', 'replace', 'increment'] as const;

export function decodeMessage(pdu: Buffer): LdapMessage {
  const outer = new BerReader(pdu);
  const message = outer.readSequence(TAG.SEQUENCE, 'LDAPMessage');
  outer.end('PDU');
  const messageId = message.readInteger(TAG.INTEGER, 'messageID');
  if (messageId < 0) throw protocolError('messageID is negative');
  const opElement = message.readElement();
  let controls: Control[] = [];
  if (!message.atEnd) controls = decodeControls(message.expect(contextTag(0, true), 'controls'));
  message.end('LDAPMessage');
  // RFC 4511 4.1.1.1: messageID 0 is reserved for unsolicited notifications.
  if (messageId === 0 && opElement.tag !== REQUEST_TAG.abandon) throw protocolError('messageID 0 is reserved');
  return { messageId, request: decodeRequest(opElement.tag, opElement.value), controls };
}

function decodeRequest(tag: number, value: Buffer): LdapRequest {
  switch (tag) {
    case REQUEST_TAG.bind:
      return decodeBind(new BerReader(value));
    case REQUEST_TAG.unbind:
      if (value.length !== 0) throw berError('UnbindRequest must be NULL');
      return { op: 'unbind' };
    case REQUEST_TAG.search:
      return decodeSearch(new BerReader(value));
    case REQUEST_TAG.modify:
      return decodeModify(new BerReader(value));
    case REQUEST_TAG.abandon:
      return { op: 'abandon', abandonId: decodeInteger(value, 'AbandonRequest') };
    case REQUEST_TAG.extended:
      return decodeExtended(new BerReader(value));
    case REQUEST_TAG.add:
      return { op: 'add' };
    case REQUEST_TAG.delete:
      return { op: 'delete' };
    case REQUEST_TAG.modifyDn:
      return { op: 'modifyDn' };
    case REQUEST_TAG.compare:
      return { op: 'compare' };
    default:
      throw protocolError(`unknown protocol operation tag 0x${tag.toString(16)}`);
  }
}

function decodeBind(r: BerReader): LdapRequest {
  const version = r.readInteger(TAG.INTEGER, 'bind version');
  const name = r.readString(TAG.OCTET_STRING, 'bind name');
  const auth = r.readElement();
  r.end('BindRequest');
  if (auth.tag === contextTag(0, false))
    return { op: 'bind', version, name, auth: { type: 'simple', password: auth.value } };
  if (auth.tag === contextTag(3, true)) {
    const sasl = new BerReader(auth.value);
    const mechanism = sasl.readString(TAG.OCTET_STRING, 'SASL mechanism');
    if (!sasl.atEnd) sasl.readOctetString(TAG.OCTET_STRING, 'SASL credentials');
    sasl.end('SaslCredentials');
    return { op: 'bind', version, name, auth: { type: 'sasl', mechanism } };
  }
  throw berError(`unknown bind authentication choice 0x${auth.tag.toString(16)}`);
}

function decodeSearch(r: BerReader): LdapRequest {
  const baseDn = r.readString(TAG.OCTET_STRING, 'baseObject');
  const scope = SCOPES[r.readEnumerated('scope')];
  if (scope === undefined) throw protocolError('search scope is not base, one or sub');
  const deref = r.readEnumerated('derefAliases');
  if (deref < 0 || deref > 3) throw protocolError('derefAliases is out of range');
  const sizeLimit = r.readInteger(TAG.INTEGER, 'sizeLimit');
  const timeLimit = r.readInteger(TAG.INTEGER, 'timeLimit');
  if (sizeLimit < 0 || timeLimit < 0) throw protocolError('sizeLimit and timeLimit must not be negative');
  const typesOnly = r.readBoolean(TAG.BOOLEAN, 'typesOnly');
  const filter = decodeFilter(r.readElement());
  const list = r.readSequence(TAG.SEQUENCE, 'attributes');
  r.end('SearchRequest');
  const attributes: string[] = [];
  while (!list.atEnd) attributes.push(list.readString(TAG.OCTET_STRING, 'attribute selector'));
  return { op: 'search', baseDn, scope, sizeLimit, timeLimit, typesOnly, filter, attributes };
}

function decodeModify(r: BerReader): LdapRequest {
  const object = r.readString(TAG.OCTET_STRING, 'modify object');
  const list = r.readSequence(TAG.SEQUENCE, 'changes');
  r.end('ModifyRequest');
  const changes: Modification[] = [];
  while (!list.atEnd) {
    const change = list.readSequence(TAG.SEQUENCE, 'change');
    const operation = MOD_OPERATIONS[change.readEnumerated('modify operation')];
    if (operation === undefined) throw protocolError('unknown modify operation');
    const attribute = change.readSequence(TAG.SEQUENCE, 'PartialAttribute');
    change.end('change');
    const type = attribute.readString(TAG.OCTET_STRING, 'attribute type');
    const set = attribute.readSequence(TAG.SET, 'attribute values');
    attribute.end('PartialAttribute');
    const values: Buffer[] = [];
    while (!set.atEnd) values.push(set.readOctetString(TAG.OCTET_STRING, 'attribute value'));
    changes.push({ operation, type, values });
  }
  return { op: 'modify', object, changes };
}

function decodeExtended(r: BerReader): LdapRequest {
  const name = r.readString(contextTag(0, false), 'requestName');
  const value = r.atEnd ? undefined : r.readOctetString(contextTag(1, false), 'requestValue');
  r.end('ExtendedRequest');
  return { op: 'extended', name, value };
}

function decodeControls(value: Buffer): Control[] {
  const r = new BerReader(value);
  const controls: Control[] = [];
  while (!r.atEnd) {
    const c = r.readSequence(TAG.SEQUENCE, 'Control');
    const type = c.readString(TAG.OCTET_STRING, 'controlType');
    let critical = false;
    if (c.peekTag() === TAG.BOOLEAN) critical = c.readBoolean(TAG.BOOLEAN, 'criticality');
    const controlValue = c.atEnd ? undefined : c.readOctetString(TAG.OCTET_STRING, 'controlValue');
    c.end('Control');
    controls.push({ type, critical, value: controlValue });
  }
  return controls;
}
