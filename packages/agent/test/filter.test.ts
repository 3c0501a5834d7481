/** RFC 4515 section 3 escaping of filter values, and the filters built from it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FilterParser } from 'ldapts';
import { escapeFilterValue, guidToString, nestedGroupsFilter, userFilter } from '../src/index.ts';

test('the five special characters are escaped, nothing else', () => {
  assert.equal(escapeFilterValue('a*b(c)d\\e\u0000f'), 'a\\2ab\\28c\\29d\\5ce\\00f');
  assert.equal(escapeFilterValue('jürgen.müller@corp.example.test'), 'jürgen.müller@corp.example.test');
});

test('injection attempts stay one equality match on one value', () => {
  for (const attack of ['*', '*)(objectClass=*', 'x)(|(mail=*', 'a\\29', '*)(&', '\u0000']) {
    const filter = userFilter([{ attribute: 'mail', value: attack }]);
    const parsed = FilterParser.parseString(filter);
    // (&(objectCategory=person)(objectClass=user)(mail=<value>)): three terms, the last an equality on the attack.
    const filters = (parsed as unknown as { filters: { attribute: string; value: unknown }[] }).filters;
    assert.equal(filters.length, 3, filter);
    assert.equal(filters[2]!.attribute, 'mail');
    assert.equal(parsed.constructor.name, 'AndFilter');
    assert.equal(filters[2]!.constructor.name, 'EqualityFilter', `${attack} became ${filters[2]!.constructor.name}`);
  }
});

test('several login attributes become an OR of equality matches', () => {
  assert.equal(
    userFilter([
      { attribute: 'mail', value: 'a*' },
      { attribute: 'userPrincipalName', value: 'a*' },
    ]),
    '(&(objectCategory=person)(objectClass=user)(|(mail=a\\2a)(userPrincipalName=a\\2a)))',
  );
});

test('a DN with parentheses is escaped in the in-chain group filter', () => {
  assert.equal(
    nestedGroupsFilter('CN=Smith (IT),CN=Users,DC=corp'),
    '(&(objectClass=group)(member:1.2.840.113556.1.4.1941:=CN=Smith \\28IT\\29,CN=Users,DC=corp))',
  );
});

test('objectGUID bytes -> GUID string with little-endian first fields', () => {
  const bytes = Buffer.from('9bc055d381d2394588366d144ff0c3a0', 'hex');
  assert.equal(guidToString(bytes), 'd355c09b-d281-4539-8836-6d144ff0c3a0');
  assert.throws(() => guidToString(Buffer.alloc(15)), RangeError);
});
