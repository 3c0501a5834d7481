/** demo-users.yaml holds exactly the canonical user set of the AD test bed (scripts/testbed/users.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOMAIN, GROUPS, USERS, userDn } from '../../../scripts/testbed/users.ts';
import { DEMO_USERS_FILE, loadUsersFile } from '../src/index.ts';

describe('demo users file', () => {
  const demo = loadUsersFile(DEMO_USERS_FILE);

  it('has every canonical user with the same name, password, state, mail and groups', () => {
    assert.equal(demo.users.length, Object.keys(USERS).length);
    for (const canonical of Object.values(USERS)) {
      const u = demo.users.find((d) => d.sAMAccountName === canonical.sam);
      assert.ok(u, `demo-users.yaml lacks ${canonical.sam}`);
      assert.equal(u.userPrincipalName ?? `${u.sAMAccountName}@${DOMAIN.dnsName}`, canonical.upn);
      assert.equal(u.password, canonical.password);
      assert.equal(u.state, canonical.state === 'enabled' ? 'normal' : canonical.state);
      assert.equal(u.displayName, canonical.displayName);
      assert.equal(`CN=${u.cn ?? u.displayName},${DOMAIN.usersDn}`, userDn(canonical));
      assert.equal(u.givenName, canonical.givenName);
      assert.equal(u.sn, canonical.sn);
      assert.equal(u.mail, canonical.mail);
      assert.deepEqual([...u.groups].sort(), [...canonical.groups].sort());
    }
  });

  it('has the canonical groups with the same nesting', () => {
    assert.deepEqual(
      demo.groups
        .map((g) => ({ name: g.name, memberOf: [...g.groups].sort() }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      GROUPS.map((g) => ({ name: g.name, memberOf: [...g.memberOf].sort() })).sort((a, b) =>
        a.name.localeCompare(b.name),
      ),
    );
  });
});
