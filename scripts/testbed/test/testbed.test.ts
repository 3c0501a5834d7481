/**
 * The test bed's directory content and helpers behave like AD: groups (nested), alternate login mail, non-ASCII
 * names, fresh users in every account state, and the LDAP password change the agent will use for 773/532 users.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Attribute, Change, Client } from 'ldapts';
import { encodePassword } from '../directory-admin.ts';
import { type AccountState, type AdTestbed, adTestbed, bindOnce, effectiveGroups } from '../index.ts';
import { groupDn } from '../users.ts';

let ad: AdTestbed;
before(async () => {
  ad = await adTestbed();
});

/** Runs fn on a connection bound as the service account (an ordinary user, as the agent's search account is). */
async function asService<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ url: ad.ldapsUrl, tlsOptions: ad.tlsOptions, timeout: 10_000, connectTimeout: 5_000 });
  try {
    await client.bind(ad.users.service.upn, ad.users.service.password);
    return await fn(client);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

async function findOne(filter: string, attributes: string[]): Promise<Record<string, unknown>> {
  return asService(async (client) => {
    const { searchEntries } = await client.search(ad.baseDn, { scope: 'sub', filter, attributes });
    assert.equal(searchEntries.length, 1, `expected one entry for ${filter}`);
    return searchEntries[0]!;
  });
}

const asList = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

describe('canonical users', () => {
  test('the grouped user is a direct member of its groups', async () => {
    const entry = await findOne(`(userPrincipalName=${ad.users.grouped.upn})`, ['memberOf']);
    assert.deepEqual(asList(entry.memberOf).sort(), ad.users.grouped.groups.map(groupDn).sort());
  });

  test('nested membership resolves through LDAP_MATCHING_RULE_IN_CHAIN', async () => {
    const groups = await asService(async (client) => {
      const { searchEntries } = await client.search(ad.baseDn, {
        scope: 'sub',
        filter: `(member:1.2.840.113556.1.4.1941:=${ad.users.grouped.dn})`,
        attributes: ['cn'],
      });
      return searchEntries.map((e) => String(e.cn)).sort();
    });
    assert.deepEqual(groups, effectiveGroups(ad.users.grouped));
    assert.ok(groups.includes('All Staff'), 'the nested group is reached');
  });

  test('the alternate-login user is found by mail and has a different UPN', async () => {
    const mail = ad.users.altLogin.mail!;
    const entry = await findOne(`(mail=${mail})`, ['userPrincipalName', 'objectGUID']);
    assert.equal(entry.userPrincipalName, ad.users.altLogin.upn);
    assert.notEqual(mail.toLowerCase(), ad.users.altLogin.upn.toLowerCase());
    assert.equal((entry.objectGUID as Buffer).length, 16);
  });

  test('the non-ASCII user is stored and binds by its down-level name too', async () => {
    const u = ad.users.unicode;
    assert.ok(
      [...u.sam].some((ch) => ch.codePointAt(0)! > 127),
      'the name is not ASCII',
    );
    const entry = await findOne(`(sAMAccountName=${u.sam})`, ['displayName']);
    assert.equal(entry.displayName, u.displayName);
    assert.deepEqual(await bindOnce(ad.bindTarget(), `${ad.netbios}\\${u.sam}`, u.password), { result: 'success' });
  });
});

describe('createUser', () => {
  const expected: Record<AccountState, string> = {
    enabled: 'success',
    disabled: '533',
    mustChange: '773',
    accountExpired: '701',
    locked: '775',
    passwordExpired: '532',
    logonHours: '530',
  };
  for (const [state, code] of Object.entries(expected) as [AccountState, string][]) {
    test(`a fresh ${state} user binds with ${code}`, async () => {
      const user = await ad.createUser({ state });
      const observed = await bindOnce(ad.bindTarget(), user.upn, user.password);
      assert.equal(observed.result === 'invalidCredentials' ? observed.data : observed.result, code);
      const wrong = await bindOnce(ad.bindTarget(), user.upn, ad.wrongPassword);
      // AD gives the state code only for the right password (775 excepted: a locked account says so for any).
      assert.equal(
        wrong.result === 'invalidCredentials' ? wrong.data : wrong.result,
        state === 'locked' ? '775' : '52e',
      );
    });
  }

  test('a must-change user changes the password over LDAP (bound as an ordinary account) and then binds', async () => {
    const user = await ad.createUser({ state: 'mustChange' });
    const next = 'Changed-Pass-2';
    await asService((client) =>
      client.modify(user.dn, [
        new Change({
          operation: 'delete',
          modification: new Attribute({ type: 'unicodePwd', values: [encodePassword(user.password)] }),
        }),
        new Change({
          operation: 'add',
          modification: new Attribute({ type: 'unicodePwd', values: [encodePassword(next)] }),
        }),
      ]),
    );
    assert.deepEqual(await bindOnce(ad.bindTarget(), user.upn, next), { result: 'success' });
    // Measured: Samba keeps accepting the OLD password for simple binds after the change, as its smb.conf
    // `old password allowed period` (60 min default; AD's NTLM old-password grace, KB906305) describes. The agent
    // must not treat a successful bind with the previous password as proof that a change failed.
    assert.deepEqual(await bindOnce(ad.bindTarget(), user.upn, user.password), { result: 'success' });
    const wrong = await bindOnce(ad.bindTarget(), user.upn, ad.wrongPassword);
    assert.equal(wrong.result === 'invalidCredentials' ? wrong.data : wrong.result, '52e');
  });

  test('users get distinct names', async () => {
    const [a, b] = await Promise.all([ad.createUser(), ad.createUser()]);
    assert.notEqual(a!.sam, b!.sam);
  });
});
