/** DN escaping and comparison (RFC 4514), as used for entry names, bind names and search bases. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from 'ldapts';
import { escapeDnValue, normalizeDn, parentKey } from '../src/directory/dn.ts';
import { startTrialDirectory } from '../src/index.ts';
import { captureLogs } from './helpers.ts';

describe('DNs', () => {
  it('escapes the RFC 4514 special characters', () => {
    assert.equal(escapeDnValue('Doe, John'), 'Doe\\, John');
    assert.equal(escapeDnValue('a+b="c"<d>;e\\'), 'a\\+b\\=\\"c\\"\\<d\\>\\;e\\\\');
    assert.equal(escapeDnValue('#lead'), '\\#lead');
    assert.equal(escapeDnValue(' both '), '\\ both\\ ');
  });

  it('compares case-insensitively, ignoring spaces around separators, with escapes decoded', () => {
    const a = normalizeDn('CN=Doe\\, John,CN=Users,DC=corp,DC=example,DC=test');
    assert.equal(a, normalizeDn('cn=doe\\2c john , cn=users,dc=CORP,dc=example,dc=test'));
    assert.notEqual(a, normalizeDn('CN=Doe,CN=John,CN=Users,DC=corp,DC=example,DC=test'));
    assert.equal(normalizeDn('CN=J\\C3\\BCrgen,DC=x'), normalizeDn('cn=jürgen,dc=x'));
    assert.equal(parentKey('CN=Doe\\, John,CN=Users,DC=x'), normalizeDn('CN=Users,DC=x'));
  });

  it('rejects what is not a DN', () => {
    assert.equal(normalizeDn('not a dn'), undefined);
    assert.equal(normalizeDn('CN=a,,DC=x'), undefined);
    assert.equal(normalizeDn('CN=trailing\\'), undefined);
    assert.equal(normalizeDn(''), '');
  });

  it('a display name with a comma makes an escaped DN that binds and searches', async () => {
    await using dir = await startTrialDirectory({
      users: { users: [{ sAMAccountName: 'jdoe', displayName: 'Doe, John', password: 'John-Pass-1' }] },
      logger: captureLogs().logger,
    });
    const client = new Client({ url: dir.ldapsUrl, tlsOptions: { ca: [dir.caPem ?? ''], servername: dir.hostname } });
    try {
      const dn = `CN=Doe\\, John,CN=Users,${dir.baseDn}`;
      await client.bind(dn, 'John-Pass-1');
      const { searchEntries } = await client.search(dn, { scope: 'base', attributes: ['sAMAccountName'] });
      assert.equal(searchEntries[0]?.dn, dn);
      assert.equal(searchEntries[0]?.sAMAccountName, 'jdoe');
    } finally {
      await client.unbind();
    }
  });
});
