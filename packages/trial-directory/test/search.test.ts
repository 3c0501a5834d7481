/** Searches the agent relies on, over LDAPS with ldapts, bound as the service account like the agent. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client, EqualityFilter, escapeFilter, NoSuchObjectError, OperationsError, PresenceFilter } from 'ldapts';
import { USERS } from '../../../scripts/testbed/users.ts';
import { bytesToGuid, type TrialDirectory } from '../src/index.ts';
import { closeQuietly, ldapsClient, serviceBoundDemo } from './helpers.ts';

const BASE = 'DC=corp,DC=example,DC=test';
const USERS_DN = `CN=Users,${BASE}`;

describe('search', () => {
  let dir: TrialDirectory;
  let client: Client;
  let close: () => Promise<void>;
  before(async () => {
    ({ dir, client, close } = await serviceBoundDemo());
  });
  after(() => close());

  it('finds a user by mail (alternate login id) and returns the UPN', async () => {
    const { searchEntries } = await client.search(BASE, {
      scope: 'sub',
      filter: escapeFilter`(&(objectClass=user)(mail=${USERS.altLogin.mail ?? ''}))`,
      attributes: ['userPrincipalName', 'sAMAccountName'],
    });
    assert.equal(searchEntries.length, 1);
    assert.equal(searchEntries[0]?.userPrincipalName, 'alex@corp.example.test');
    assert.equal(searchEntries[0]?.sAMAccountName, 'alex');
    assert.equal(searchEntries[0]?.dn, `CN=Alex Alternate,${USERS_DN}`);
    // Only the selected attributes (plus dn) come back.
    assert.deepEqual(Object.keys(searchEntries[0] ?? {}).sort(), ['dn', 'sAMAccountName', 'userPrincipalName']);
  });

  it('matches case-insensitively, like AD', async () => {
    const { searchEntries } = await client.search(BASE, {
      scope: 'sub',
      filter: '(userPrincipalName=ALICE@CORP.EXAMPLE.TEST)',
    });
    assert.equal(searchEntries.length, 1);
  });

  it('an escaped injection attempt matches nothing, while the unescaped form would match everyone', async () => {
    const hostile = '*)(uid=*';
    const escaped = await client.search(BASE, { scope: 'sub', filter: escapeFilter`(mail=${hostile})` });
    assert.equal(escaped.searchEntries.length, 0);
    const wildcard = await client.search(BASE, { scope: 'sub', filter: '(mail=*)' });
    assert.ok(wildcard.searchEntries.length >= 10);
  });

  it('a base search on a DN returns exactly that entry', async () => {
    const dn = `CN=Grace Grouped,${USERS_DN}`;
    const { searchEntries } = await client.search(dn, { scope: 'base', attributes: ['displayName', 'memberOf'] });
    assert.equal(searchEntries.length, 1);
    assert.equal(searchEntries[0]?.dn, dn);
    assert.equal(searchEntries[0]?.displayName, 'Grace Grouped');
  });

  it('memberOf lists direct groups; the in-chain rule finds nested membership', async () => {
    const { searchEntries } = await client.search(`CN=Grace Grouped,${USERS_DN}`, {
      scope: 'base',
      attributes: ['memberOf'],
    });
    assert.deepEqual([searchEntries[0]?.memberOf].flat().sort(), [
      `CN=Engineering,${USERS_DN}`,
      `CN=VPN Users,${USERS_DN}`,
    ]);
    const nested = await client.search(BASE, {
      scope: 'sub',
      filter: `(&(objectClass=user)(memberOf:1.2.840.113556.1.4.1941:=CN=All Staff,${USERS_DN}))`,
      attributes: ['sAMAccountName'],
    });
    assert.deepEqual(
      nested.searchEntries.map((e) => e.sAMAccountName),
      ['grace'],
    );
    const direct = await client.search(BASE, {
      scope: 'sub',
      filter: `(&(objectClass=user)(memberOf=CN=All Staff,${USERS_DN}))`,
    });
    assert.equal(direct.searchEntries.length, 0, 'plain memberOf equality is not transitive in AD');
  });

  it('groups are objectClass=group with member', async () => {
    const { searchEntries } = await client.search(BASE, {
      scope: 'sub',
      filter: '(&(objectClass=group)(cn=Engineering))',
      attributes: ['member', 'memberOf', 'objectClass'],
    });
    assert.equal(searchEntries.length, 1);
    assert.deepEqual(searchEntries[0]?.member, `CN=Grace Grouped,${USERS_DN}`);
    assert.deepEqual(searchEntries[0]?.memberOf, `CN=All Staff,${USERS_DN}`);
    assert.deepEqual(searchEntries[0]?.objectClass, ['top', 'group']);
  });

  it('objectGUID is 16 binary octets, and an equality filter on those bytes finds the same entry', async () => {
    const { searchEntries } = await client.search(BASE, {
      scope: 'sub',
      filter: '(sAMAccountName=alice)',
      attributes: ['objectGUID'],
      explicitBufferAttributes: ['objectGUID'],
    });
    const guid = searchEntries[0]?.objectGUID;
    assert.ok(Buffer.isBuffer(guid));
    assert.equal(guid.length, 16);
    assert.match(bytesToGuid(guid), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // A Buffer-valued EqualityFilter: ldapts' string filter parser turns \xx escapes above 0x7f into UTF-8 text.
    const byGuid = await client.search(BASE, {
      scope: 'sub',
      filter: new EqualityFilter({ attribute: 'objectGUID', value: guid }),
      attributes: ['sAMAccountName'],
    });
    assert.deepEqual(
      byGuid.searchEntries.map((e) => e.sAMAccountName),
      ['alice'],
    );
  });

  it('substring, or, not, objectCategory=person and the userAccountControl bit rule', async () => {
    const sub = await client.search(BASE, { scope: 'sub', filter: '(displayName=gr*ped)', attributes: ['cn'] });
    assert.deepEqual(
      sub.searchEntries.map((e) => e.cn),
      ['Grace Grouped'],
    );
    const or = await client.search(BASE, { scope: 'sub', filter: '(|(sAMAccountName=alice)(sAMAccountName=dave))' });
    assert.equal(or.searchEntries.length, 2);
    const enabledPeople = await client.search(BASE, {
      scope: 'sub',
      filter: '(&(objectCategory=person)(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))',
      attributes: ['sAMAccountName'],
    });
    const names = enabledPeople.searchEntries.map((e) => e.sAMAccountName);
    assert.ok(names.includes('alice'));
    assert.ok(!names.includes('dave'), 'the disabled account has the ACCOUNTDISABLE bit');
  });

  it('scopes: one level under the domain is CN=Users; subtree reaches users and groups', async () => {
    const one = await client.search(BASE, { scope: 'one' });
    assert.deepEqual(
      one.searchEntries.map((e) => e.dn),
      [USERS_DN],
    );
    const sub = await client.search(BASE, { scope: 'sub', attributes: ['1.1'] });
    assert.equal(sub.searchEntries.length, 2 + Object.keys(USERS).length + 3);
  });

  it('sizeLimit truncates; paged results page through everything', async () => {
    const limited = await client.search(BASE, { scope: 'sub', filter: '(objectClass=user)', sizeLimit: 3 });
    assert.equal(limited.searchEntries.length, 3);
    const all = await client.search(BASE, { scope: 'sub', filter: '(objectClass=user)' });
    const pages: number[] = [];
    const seen: string[] = [];
    for await (const page of client.searchPaginated(BASE, {
      scope: 'sub',
      filter: new PresenceFilter({ attribute: 'userPrincipalName' }),
      paged: { pageSize: 4 },
    })) {
      pages.push(page.searchEntries.length);
      seen.push(...page.searchEntries.map((e) => e.dn));
    }
    assert.deepEqual(pages, [4, 4, 3]);
    assert.deepEqual(
      seen,
      all.searchEntries.map((e) => e.dn),
    );
  });

  it('a missing base DN is noSuchObject with AD text', async () => {
    await assert.rejects(client.search(`CN=Nobody,${USERS_DN}`, { scope: 'base' }), (error: Error) => {
      assert.ok(error instanceof NoSuchObjectError);
      assert.match(error.message, /0000208D: NameErr/);
      return true;
    });
  });

  it('anonymous searches are refused with operationsError, like AD', async () => {
    const anonymous = ldapsClient(dir);
    try {
      await assert.rejects(anonymous.search(BASE, { scope: 'sub', filter: '(objectClass=user)' }), (error: Error) => {
        assert.ok(error instanceof OperationsError);
        assert.match(error.message, /000004DC/);
        return true;
      });
    } finally {
      await closeQuietly(anonymous);
    }
  });
});
