/**
 * objectSid on users and groups, and the root DSE's constructed tokenGroups (the SIDs of the connection's security
 * token), which the agent's verified attribute cache reads after a user bind. The answers shared with the Samba test
 * bed are in bind-table.test.ts (TOKEN_CASES); these are the trial directory's own details: stable derived SIDs,
 * explicit ones, filters, the order of the token, and the option that turns tokenGroups off.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client, EqualityFilter } from 'ldapts';
import { USERS } from '../../../scripts/testbed/users.ts';
import { bytesToSid, startTrialDirectory, type TrialDirectory, TrialDirectoryError } from '../src/index.ts';
import { captureLogs, closeQuietly, ldapsClient, serviceBoundDemo, startDemo } from './helpers.ts';

const USERS_DN = 'CN=Users,DC=corp,DC=example,DC=test';
const USER_WELL_KNOWN = ['S-1-1-0', 'S-1-5-2', 'S-1-5-11', 'S-1-5-32-545', 'S-1-5-32-554'];

async function sidsOf(client: Client, base: string): Promise<Map<string, string>> {
  const { searchEntries } = await client.search(base, {
    scope: 'sub',
    filter: '(objectSid=*)',
    attributes: ['objectSid'],
    explicitBufferAttributes: ['objectSid'],
  });
  return new Map(searchEntries.map((e) => [e.dn, bytesToSid(e.objectSid as Buffer) ?? 'bad']));
}

async function tokenGroups(client: Client, attributes: string[] = ['tokenGroups']): Promise<string[] | undefined> {
  const { searchEntries } = await client.search('', {
    scope: 'base',
    attributes,
    explicitBufferAttributes: ['tokenGroups'],
  });
  const raw = searchEntries[0]?.tokenGroups;
  // ldapts gives an attribute it asked for by name as [] when the entry does not have it.
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return values.length === 0 ? undefined : values.map((v) => bytesToSid(v as Buffer) ?? 'bad');
}

describe('objectSid', () => {
  let dir: TrialDirectory;
  let client: Client;
  let close: () => Promise<void>;
  let sids: Map<string, string>;
  before(async () => {
    ({ dir, client, close } = await serviceBoundDemo());
    sids = await sidsOf(client, dir.baseDn);
  });
  after(() => close());

  it('the domain has the domain SID; every user and group has its own SID under it; containers have none', () => {
    assert.match(dir.domainSid, /^S-1-5-21-\d+-\d+-\d+$/);
    assert.equal(sids.get(dir.baseDn), dir.domainSid);
    assert.equal(sids.has(USERS_DN), false);
    const accounts = [...sids].filter(([dn]) => dn !== dir.baseDn);
    assert.equal(accounts.length, Object.keys(USERS).length + 3, 'every demo user and the three groups');
    for (const [dn, sid] of accounts) {
      assert.ok(sid.startsWith(`${dir.domainSid}-`), `${dn}: ${sid}`);
      assert.ok(Number(sid.split('-').at(-1)) >= 1000, `${dn}: RIDs of created accounts start at 1000, as in AD`);
    }
    assert.equal(new Set(accounts.map(([, sid]) => sid)).size, accounts.length, 'no two entries share a SID');
  });

  it('is stable across restarts, and the domain part follows the base DN', async () => {
    const again = await serviceBoundDemo();
    try {
      assert.deepEqual(await sidsOf(again.client, again.dir.baseDn), sids);
    } finally {
      await again.close();
    }
    const other = await startTrialDirectory({
      users: { users: [{ sAMAccountName: 'alice', displayName: 'Alice Anders', password: 'Alice-Pass-1' }] },
      baseDn: 'DC=other,DC=test',
      logger: captureLogs().logger,
    });
    await other.close();
    assert.notEqual(other.domainSid, dir.domainSid);
  });

  it('is part of `*`, and an equality filter finds the entry by its binary or string SID', async () => {
    const dn = `CN=Grace Grouped,${USERS_DN}`;
    const all = await client.search(dn, { scope: 'base', explicitBufferAttributes: ['objectSid'] });
    const bytes = all.searchEntries[0]?.objectSid as Buffer;
    assert.equal(bytesToSid(bytes), sids.get(dn));
    for (const value of [bytes, sids.get(dn) ?? '', (sids.get(dn) ?? '').toLowerCase()]) {
      const found = await client.search(dir.baseDn, {
        scope: 'sub',
        filter: new EqualityFilter({ attribute: 'objectSid', value }),
        attributes: ['1.1'],
      });
      assert.deepEqual(
        found.searchEntries.map((e) => e.dn),
        [dn],
        String(value),
      );
    }
    for (const value of [`${dir.domainSid}-999999`, 'garbage', Buffer.from([1, 0])]) {
      const none = await client.search(dir.baseDn, {
        scope: 'sub',
        filter: new EqualityFilter({ attribute: 'objectSid', value }),
      });
      assert.equal(none.searchEntries.length, 0, String(value));
    }
  });

  it('the users file may give a SID; a duplicate one is refused at start', async () => {
    const sid = 'S-1-5-21-1004336348-1177238915-682003330-1104';
    const groupSid = 'S-1-5-21-1004336348-1177238915-682003330-1200';
    const explicit = await startTrialDirectory({
      users: {
        users: [{ sAMAccountName: 'alice', displayName: 'Alice', password: 'Alice-Pass-1', objectSid: sid }],
        groups: [{ name: 'Staff', objectSid: groupSid }],
      },
      logger: captureLogs().logger,
    });
    const c = ldapsClient(explicit);
    try {
      await c.bind('alice@corp.example.test', 'Alice-Pass-1');
      const found = await sidsOf(c, explicit.baseDn);
      assert.equal(found.get(`CN=Alice,CN=Users,${explicit.baseDn}`), sid);
      assert.equal(found.get(`CN=Staff,CN=Users,${explicit.baseDn}`), groupSid);
    } finally {
      await closeQuietly(c);
      await explicit.close();
    }
    await assert.rejects(
      startTrialDirectory({
        users: {
          users: [
            { sAMAccountName: 'a', displayName: 'A', password: 'A-Pass-1', objectSid: sid },
            { sAMAccountName: 'b', displayName: 'B', password: 'B-Pass-1', objectSid: sid },
          ],
        },
        logger: captureLogs().logger,
      }),
      (error: Error) =>
        error instanceof TrialDirectoryError && /users\[1\]\.objectSid: duplicate objectSid/.test(error.message),
    );
    await assert.rejects(
      startTrialDirectory({
        users: { users: [{ sAMAccountName: 'a', displayName: 'A', password: 'A-Pass-1', objectSid: 'S-1-5-x' }] },
        logger: captureLogs().logger,
      }),
      /users\[0\]\.objectSid: must be a SID/,
    );
  });
});

describe('root DSE tokenGroups', () => {
  let dir: TrialDirectory;
  let sids: Map<string, string>;
  before(async () => {
    ({ dir } = await startDemo());
    const service = ldapsClient(dir);
    await service.bind(USERS.service.upn, USERS.service.password);
    sids = await sidsOf(service, dir.baseDn);
    await closeQuietly(service);
  });
  after(() => dir.close());

  const sidOf = (cn: string) => sids.get(`CN=${cn},${USERS_DN}`) ?? `no SID for ${cn}`;

  it("a bound user: own SID, Domain Users, its groups depth first (Samba's order), then the well-known SIDs", async () => {
    const client = ldapsClient(dir);
    try {
      await client.bind(USERS.grouped.upn, USERS.grouped.password);
      // Grace is in Engineering (itself in All Staff) and VPN Users.
      assert.deepEqual(await tokenGroups(client), [
        sidOf('Grace Grouped'),
        `${dir.domainSid}-513`,
        sidOf('Engineering'),
        sidOf('All Staff'),
        sidOf('VPN Users'),
        ...USER_WELL_KNOWN,
      ]);
      // The token is the connection's: a bind as another user replaces it.
      await client.bind(USERS.normal.upn, USERS.normal.password);
      assert.deepEqual(await tokenGroups(client), [sidOf('Alice Anders'), `${dir.domainSid}-513`, ...USER_WELL_KNOWN]);
    } finally {
      await closeQuietly(client);
    }
  });

  it('constructed: only when named (also next to `*`), never for `*` or no list; a presence filter sees it', async () => {
    const client = ldapsClient(dir);
    try {
      await client.bind(USERS.normal.upn, USERS.normal.password);
      assert.equal(await tokenGroups(client, ['*']), undefined);
      assert.equal(await tokenGroups(client, []), undefined);
      assert.equal((await tokenGroups(client, ['*', 'TOKENGROUPS']))?.[0], sidOf('Alice Anders'));
      const { searchEntries } = await client.search('', {
        scope: 'base',
        filter: '(tokenGroups=*)',
        attributes: ['dnsHostName'],
      });
      assert.deepEqual(Object.keys(searchEntries[0] ?? {}).sort(), ['dn', 'dnsHostName']);
    } finally {
      await closeQuietly(client);
    }
  });

  it('anonymous: Anonymous Logon alone before any bind and after a failed one; with Everyone and Network after an anonymous bind', async () => {
    const client = ldapsClient(dir);
    try {
      assert.deepEqual(await tokenGroups(client), ['S-1-5-7']);
      await client.bind('', '');
      assert.deepEqual(await tokenGroups(client), ['S-1-5-7', 'S-1-1-0', 'S-1-5-2']);
      await client.bind(USERS.normal.upn, USERS.normal.password);
      await assert.rejects(client.bind(USERS.normal.upn, 'Wrong-Pass-1'));
      // RFC 4513 4: a failed bind leaves the connection anonymous. (Samba 4.17 keeps the previous user's token; the
      // agent reads the token only after a successful bind, so the two never differ for it.)
      assert.deepEqual(await tokenGroups(client), ['S-1-5-7']);
    } finally {
      await closeQuietly(client);
    }
  });

  it('rootDseTokenGroups: false gives a root DSE without it, as a directory that does not support it', async () => {
    const { dir: without } = await startDemo({ rootDseTokenGroups: false });
    const client = ldapsClient(without);
    try {
      await client.bind(USERS.normal.upn, USERS.normal.password);
      assert.equal(await tokenGroups(client), undefined);
      assert.equal(await tokenGroups(client, ['*', 'tokenGroups']), undefined);
    } finally {
      await closeQuietly(client);
      await without.close();
    }
  });
});
