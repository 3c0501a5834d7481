/**
 * The verified attribute cache against the Samba AD DC: a repeat sign-in is answered from the cache only after the
 * DC checked the password AND the bound session's token names the cached account with the same security groups.
 * A UPN moved to another account and a group membership change are seen at the very next sign-in; profile
 * attributes may be up to cacheMs old (documented); nothing other than ok is cached.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DirectoryAdmin } from '../../../scripts/testbed/directory-admin.ts';
import { type AdTestbed, adTestbed } from '../../../scripts/testbed/index.ts';
import { until } from '../../../scripts/testing/until.ts';
import type { DirectoryValidator } from '../src/index.ts';
import { adConfig, counter, USER_BINDS, validatorFor } from './support/ad.ts';

let ad: AdTestbed;
let v: DirectoryValidator;

before(async () => {
  ad = await adTestbed();
  // cacheFromConcurrency 1: the cache is used by every sign-in, not only when others are in flight (the default);
  // changePollMs 0: no change tracking, so every cached sign-in verifies the bound token.
  v = validatorFor(ad, adConfig(ad, { attributes: { cacheFromConcurrency: 1, changePollMs: 0 } }));
});
after(() => v.close());

async function asAdmin(fn: (admin: DirectoryAdmin) => Promise<void>): Promise<void> {
  const admin = await DirectoryAdmin.connect(ad.ldapsUrl, ad.tlsOptions);
  try {
    await fn(admin);
  } finally {
    await admin.close();
  }
}

async function cacheResult(w: DirectoryValidator, result: string): Promise<number> {
  const metric = w.metrics.getSingleMetric('openpta_agent_attribute_cache_total');
  const data = metric ? await metric.get() : { values: [] };
  return data.values.find((x) => x.labels.result === result)?.value ?? 0;
}

describe('verified attribute cache', () => {
  test('a repeat sign-in: one bind, the token checked, no lookup; profile attributes may be cacheMs old', async () => {
    const u = await ad.createUser({ prefix: 'vcache' });
    const first = await v.validate(u.upn, u.password);
    assert.equal(first.outcome, 'ok');
    await asAdmin((a) => a.replace(u.dn, { displayName: 'Renamed Later' }));
    const [hits, binds] = [await cacheResult(v, 'hit'), await counter(v, USER_BINDS)];
    const again = await v.validate(u.upn, u.password);
    assert.equal(again.outcome, 'ok');
    assert.deepEqual(again.attributes, first.attributes, 'served from the cache');
    assert.equal(await cacheResult(v, 'hit'), hits + 1);
    assert.equal(await counter(v, USER_BINDS), binds + 1, 'the DC still checked the password');
    // A wrong password is answered by the DC and drops the entry: the next ok is looked up again.
    assert.equal((await v.validate(u.upn, ad.wrongPassword)).outcome, 'invalid_credentials');
    assert.equal((await v.validate(u.upn, u.password)).attributes!.displayName, 'Renamed Later');
  });

  test('a UPN moved to another account is seen at the next sign-in (never the cached account)', async () => {
    const a = await ad.createUser({ prefix: 'vmovea' });
    const b = await ad.createUser({ prefix: 'vmoveb' });
    // Samba refuses a UPN whose name part is another account's sAMAccountName, so the moved name is a third one.
    const name = `moved-${Date.now().toString(36)}${a.upn.slice(a.upn.indexOf('@'))}`;
    await asAdmin((admin) => admin.replace(a.dn, { userPrincipalName: name }));
    const before = await v.validate(name, a.password);
    assert.equal(before.outcome, 'ok');
    const bGuid = (await v.validate(b.upn, b.password)).attributes!.objectGuid;
    assert.notEqual(bGuid, before.attributes!.objectGuid);
    await asAdmin(async (admin) => {
      await admin.replace(a.dn, { userPrincipalName: a.upn });
      await admin.replace(b.dn, { userPrincipalName: name });
    });
    const changed = await cacheResult(v, 'account_changed');
    const moved = await v.validate(name, b.password);
    assert.equal(moved.outcome, 'ok');
    assert.equal(moved.attributes!.objectGuid, bGuid, 'the account that proved the password, not the cached one');
    assert.equal(moved.attributes!.upn, name);
    assert.equal(await cacheResult(v, 'account_changed'), changed + 1);
    // The previous owner's password no longer opens this name.
    assert.equal((await v.validate(name, a.password)).outcome, 'invalid_credentials');
  });

  test('a security group added or removed is seen at the next sign-in', async () => {
    const u = await ad.createUser({ prefix: 'vgroup' });
    const group = `vcache-${Date.now().toString(36)}`;
    assert.ok(!(await v.validate(u.upn, u.password)).attributes!.groups?.includes(group));
    await asAdmin(async (admin) => {
      await admin.addGroup({ name: group, description: 'verified cache test', memberOf: [] });
      await admin.addMember(group, u.dn);
    });
    const changed = await cacheResult(v, 'token_changed');
    const joined = await v.validate(u.upn, u.password);
    assert.ok(joined.attributes!.groups?.includes(group), `groups: ${joined.attributes!.groups}`);
    assert.equal(await cacheResult(v, 'token_changed'), changed + 1);
    // Cached again with the new token: the next sign-in is a hit with the new group.
    const hits = await cacheResult(v, 'hit');
    assert.ok((await v.validate(u.upn, u.password)).attributes!.groups?.includes(group));
    assert.equal(await cacheResult(v, 'hit'), hits + 1);
  });

  test('an account disabled after it was cached gets account_disabled from the DC', async () => {
    const u = await ad.createUser({ prefix: 'vdisable' });
    assert.equal((await v.validate(u.upn, u.password)).outcome, 'ok');
    await asAdmin((a) => a.replace(u.dn, { userAccountControl: String(0x200 | 0x2) }));
    assert.equal((await v.validate(u.upn, u.password)).outcome, 'account_disabled');
  });

  test('DOMAIN\\user is cached under its own name; alternate login ids are never cached', async () => {
    const mail = `vforms-${Date.now().toString(36)}@mail.example.test`;
    const u = await ad.createUser({ prefix: 'vforms', mail });
    const login = { attributes: ['mail', 'userPrincipalName'], downLevelDomains: [ad.netbios] };
    const w = validatorFor(ad, adConfig(ad, { login, attributes: { cacheFromConcurrency: 1, changePollMs: 0 } }));
    try {
      const down = `${ad.netbios}\\${u.sam}`;
      assert.equal((await w.validate(down, u.password)).outcome, 'ok');
      const hits = await cacheResult(w, 'hit');
      assert.equal((await w.validate(down, u.password)).outcome, 'ok');
      assert.equal(await cacheResult(w, 'hit'), hits + 1);
      const before = [await cacheResult(w, 'hit'), await cacheResult(w, 'miss')];
      assert.equal((await w.validate(mail, u.password)).outcome, 'ok');
      assert.equal((await w.validate(mail, u.password)).outcome, 'ok');
      assert.deepEqual([await cacheResult(w, 'hit'), await cacheResult(w, 'miss')], before);
    } finally {
      await w.close();
    }
  });

  test('cacheMs 0 turns it off: no token read, every sign-in looked up', async () => {
    const u = await ad.createUser({ prefix: 'voff' });
    const w = validatorFor(ad, adConfig(ad, { attributes: { cacheMs: 0, cacheFromConcurrency: 1, changePollMs: 0 } }));
    try {
      assert.equal((await w.validate(u.upn, u.password)).outcome, 'ok');
      await asAdmin((a) => a.replace(u.dn, { displayName: 'Seen At Once' }));
      assert.equal((await w.validate(u.upn, u.password)).attributes!.displayName, 'Seen At Once');
      assert.equal((await cacheResult(w, 'hit')) + (await cacheResult(w, 'miss')), 0);
    } finally {
      await w.close();
    }
  });

  test('without a service account the token and the attributes are read with the user bind', async () => {
    const u = await ad.createUser({ prefix: 'vnosvc' });
    const w = validatorFor(
      ad,
      adConfig(ad, { serviceAccount: undefined, attributes: { cacheFromConcurrency: 1, changePollMs: 0 } }),
    );
    try {
      const first = await w.validate(u.upn, u.password);
      assert.equal(first.outcome, 'ok');
      const hits = await cacheResult(w, 'hit');
      assert.deepEqual((await w.validate(u.upn, u.password)).attributes, first.attributes);
      assert.equal(await cacheResult(w, 'hit'), hits + 1);
    } finally {
      await w.close();
    }
  });

  test('by default it is used only while other sign-ins are in flight; a sign-in alone is looked up', async () => {
    const u = await ad.createUser({ prefix: 'vbusy' });
    const w = validatorFor(ad, adConfig(ad));
    try {
      assert.equal((await w.validate(u.upn, u.password)).outcome, 'ok');
      await asAdmin((a) => a.replace(u.dn, { displayName: 'Alone Sees This' }));
      // Alone: looked up, fresh, no token read.
      assert.equal((await w.validate(u.upn, u.password)).attributes!.displayName, 'Alone Sees This');
      assert.equal((await cacheResult(w, 'hit')) + (await cacheResult(w, 'miss')), 0);
      // Eight at once: the first wave fills the cache, the second is answered from it.
      const wave = () => Promise.all(Array.from({ length: 8 }, () => w.validate(u.upn, u.password)));
      assert.ok((await wave()).every((r) => r.outcome === 'ok'));
      assert.ok((await cacheResult(w, 'miss')) >= 1);
      const results = await wave();
      assert.ok(results.every((r) => r.attributes!.displayName === 'Alone Sees This'));
      const hits = (await cacheResult(w, 'hit')) + (await cacheResult(w, 'hit_tracked'));
      assert.ok(hits >= 1, 'some of the second wave were cache hits');
    } finally {
      await w.close();
    }
  });
});

describe('verified attribute cache with change tracking', () => {
  let t: DirectoryValidator;
  before(() => {
    t = validatorFor(ad, adConfig(ad, { attributes: { cacheFromConcurrency: 1, changePollMs: 100 } }));
  });
  after(() => t.close());

  /** Successful polls of the change watcher. */
  async function polls(): Promise<number> {
    const data = await t.metrics.getSingleMetric('openpta_agent_change_tracking_polls_total')?.get();
    return data?.values.find((x) => x.labels.result === 'ok')?.value ?? 0;
  }

  /**
   * Waits for two successful polls after a change: the second one started after the change was written. (Waiting for
   * a drop would not do: other test files change the same DC, and a group they create may empty the cache first.)
   */
  async function afterTwoPolls(what: string): Promise<void> {
    const start = await polls();
    await until(async () => (await polls()) >= start + 2, what);
  }

  /** Signs in until a sign-in is answered by the cache without a token read (the watcher covers the entry). */
  async function untilTracked(name: string, password: string): Promise<void> {
    await until(async () => {
      const before = await cacheResult(t, 'hit_tracked');
      assert.equal((await t.validate(name, password)).outcome, 'ok');
      return (await cacheResult(t, 'hit_tracked')) > before;
    }, 'a sign-in served by the cache under change tracking');
  }

  test('a repeat sign-in costs the bind alone; the DC still checks the password', async () => {
    const u = await ad.createUser({ prefix: 'ttrack' });
    await untilTracked(u.upn, u.password);
    const binds = await counter(t, USER_BINDS);
    assert.equal((await t.validate(u.upn, ad.wrongPassword)).outcome, 'invalid_credentials');
    assert.equal(await counter(t, USER_BINDS), binds + 1);
  });

  test('a UPN moved to another account: dropped within a poll, then the sign-in is the new owner', async () => {
    const a = await ad.createUser({ prefix: 'tmovea' });
    const b = await ad.createUser({ prefix: 'tmoveb' });
    const name = `tmoved-${Date.now().toString(36)}${a.upn.slice(a.upn.indexOf('@'))}`;
    await asAdmin((admin) => admin.replace(a.dn, { userPrincipalName: name }));
    await untilTracked(name, a.password);
    const bGuid = (await t.validate(b.upn, b.password)).attributes!.objectGuid;
    await asAdmin(async (admin) => {
      await admin.replace(a.dn, { userPrincipalName: a.upn });
      await admin.replace(b.dn, { userPrincipalName: name });
    });
    await afterTwoPolls('the change watcher to see the moved name');
    const moved = await t.validate(name, b.password);
    assert.equal(moved.outcome, 'ok');
    assert.equal(moved.attributes!.objectGuid, bGuid);
  });

  test('a group change drops every entry; the next sign-in has the new group', async () => {
    const u = await ad.createUser({ prefix: 'tgroup' });
    await untilTracked(u.upn, u.password);
    const group = `ttrack-${Date.now().toString(36)}`;
    await asAdmin(async (admin) => {
      await admin.addGroup({ name: group, description: 'change tracking test', memberOf: [] });
      await admin.addMember(group, u.dn);
    });
    await afterTwoPolls('the change watcher to see the group');
    assert.ok((await t.validate(u.upn, u.password)).attributes!.groups?.includes(group));
  });
});
