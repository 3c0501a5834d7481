/** The BER codec on its own: round trips at the edges, and strict refusal of what RFC 4511 5.1 forbids. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerReader, integer, octetString, sequence, TAG } from '../src/ber/index.ts';
import { TrialDirectoryError } from '../src/index.ts';
import { nextPduLength } from '../src/ldap/index.ts';

function malformed(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (error: Error) => {
    assert.ok(error instanceof TrialDirectoryError);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('BER', () => {
  it("integers round-trip in minimal two's complement", () => {
    for (const [n, hex] of [
      [0, '020100'],
      [127, '02017f'],
      [128, '02020080'],
      [-1, '0201ff'],
      [-128, '020180'],
      [-129, '0202ff7f'],
      [2 ** 31 - 1, '02047fffffff'],
      [-(2 ** 31), '020480000000'],
    ] as const) {
      const encoded = integer(n);
      assert.equal(encoded.toString('hex'), hex, String(n));
      assert.equal(new BerReader(encoded).readInteger(), n);
    }
  });

  it('long lengths use the shortest long form', () => {
    const value = Buffer.alloc(300, 0x61);
    const encoded = octetString(value);
    assert.equal(encoded.subarray(0, 4).toString('hex'), '0482012c');
    assert.deepEqual(new BerReader(encoded).readOctetString(), value);
    assert.equal(sequence(TAG.SEQUENCE, Buffer.alloc(0)).toString('hex'), '3000');
  });

  it('refuses indefinite lengths, long tags, overruns, oversized integers and invalid UTF-8', () => {
    malformed(() => new BerReader(Buffer.from('308000000000', 'hex')).readElement(), /indefinite/);
    malformed(() => new BerReader(Buffer.from('1f0100', 'hex')).readElement(), /high tag/);
    malformed(() => new BerReader(Buffer.from('0405616263', 'hex')).readElement(), /claims 5 bytes/);
    malformed(() => new BerReader(Buffer.from('0206010203040506', 'hex')).readInteger(), /too large/);
    malformed(() => new BerReader(Buffer.from('0200', 'hex')).readInteger(), /no content/);
    malformed(() => new BerReader(Buffer.from('0402c328', 'hex')).readString(), /UTF-8/);
    malformed(() => new BerReader(Buffer.from('010200ff', 'hex')).readBoolean(), /exactly one/);
  });

  it('frames PDUs from a stream and refuses oversized ones from the header', () => {
    assert.equal(nextPduLength(Buffer.from('30', 'hex'), 1024), undefined);
    assert.equal(nextPduLength(Buffer.from('3004020101', 'hex'), 1024), undefined);
    assert.equal(nextPduLength(Buffer.from('300302010142', 'hex'), 1024), 5);
    malformed(() => nextPduLength(Buffer.from('308201f4', 'hex'), 100), /exceeds the 100 byte limit/);
    malformed(() => nextPduLength(Buffer.from('04', 'hex'), 100), /SEQUENCE/);
  });
});
