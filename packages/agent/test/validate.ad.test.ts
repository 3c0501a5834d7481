/**
 * validate() against the real Samba AD DC (the test bed): every account state maps to its outcome, attributes and
 * nested groups come back on ok, alternate login ids and DOMAIN\user work, injection attempts find nobody, and each
 * attempt sends at most one user bind (checked by the DC's own badPwdCount, not only our counter).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from 'ldapts';
import { DirectoryAdmin } from '../../../scripts/testbed/directory-admin.ts';
import { type AdTestbed, adTestbed, effectiveGroups } from '../../../scripts/testbed/index.ts';
import type { DirectoryValidator } from '../src/index.ts';
import { adConfig, captureLog, counter, USER_BINDS, validatorFor } from './support/ad.ts';

let ad: AdTestbed;
let v: DirectoryValidator;

async function badPwdCount(dn: string): Promise<number> {
  const admin = new Client({ url: ad.ldapsUrl, tlsOptions: ad.tlsOptions });
  try {
    await admin.bind(ad.admin.upn, ad.admin.password);
    const { searchEntries } = await admin.search(dn, { scope: 'base', attributes: ['badPwdCount'] });
    return Number(searchEntries[0]?.badPwdCount ?? 0);
  } finally {
    await admin.unbind();
  }
}

before(async () => {
  ad = await adTestbed();
  v = validatorFor(ad, adConfig(ad));
});
after(() => v.close());

/** Replaces string attributes of a test user, as the domain administrator. */
async function setAttributes(dn: string, values: Readonly<Record<string, string>>): Promise<void> {
  const admin = await DirectoryAdmin.connect(ad.ldapsUrl, ad.tlsOptions);
  try {
    await admin.replace(dn, values);
  } finally {
    await admin.close();
  }
}

describe('outcomes for every account state (UPN, LDAPS)', () => {
  const cases = [
    ['normal', 'ok'],
    ['disabled', 'account_disabled'],
    ['mustChange', 'password_must_change'],
    ['accountExpired', 'account_expired'],
    ['locked', 'account_locked'],
    ['passwordExpired', 'password_expired'],
    ['logonHours', 'logon_hours'],
    ['unicode', 'ok'],
  ] as const;
  for (const [key, outcome] of cases) {
    test(`${key} with the right password -> ${outcome}`, async () => {
      const user = ad.users[key];
      const r = await v.validate(user.upn, user.password);
      assert.equal(r.outcome, outcome);
      assert.equal(r.dc, `ldaps://${new URL(ad.ldapsUrl).host}`);
      assert.equal(typeof r.elapsedMs, 'number');
      if (outcome !== 'ok') assert.equal(r.attributes, undefined);
    });
  }
  test('a user limited to other workstations (userWorkstations) -> workstation_restricted', async () => {
    const u = await ad.createUser({ prefix: 'ws' });
    await setAttributes(u.dn, { userWorkstations: 'OTHERPC' });
    assert.equal((await v.validate(u.upn, u.password)).outcome, 'workstation_restricted');
    assert.equal((await v.validate(u.upn, ad.wrongPassword)).outcome, 'invalid_credentials');
  });
  test('a wrong password -> invalid_credentials', async () => {
    const r = await v.validate(ad.users.normal.upn, ad.wrongPassword);
    assert.equal(r.outcome, 'invalid_credentials');
  });
  test('an unknown user -> invalid_credentials', async () => {
    assert.equal((await v.validate(ad.unknownUpn, ad.wrongPassword)).outcome, 'invalid_credentials');
  });
  test('a disabled user with a wrong password gives no hint of the state', async () => {
    assert.equal((await v.validate(ad.users.disabled.upn, ad.wrongPassword)).outcome, 'invalid_credentials');
  });
});

describe('attributes on ok', () => {
  test('immutable id, names, mail and direct + nested groups', async () => {
    const u = ad.users.grouped;
    const r = await v.validate(u.upn, u.password);
    assert.equal(r.outcome, 'ok');
    const a = r.attributes!;
    assert.match(a.objectGuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(a.upn, u.upn);
    assert.equal(a.sam, u.sam);
    assert.equal(a.displayName, u.displayName);
    assert.equal(a.givenName, u.givenName);
    assert.equal(a.sn, u.sn);
    assert.equal(a.mail, u.mail);
    assert.deepEqual(a.groups, effectiveGroups(u));
    assert.ok(a.groups!.includes('All Staff'), 'nested group reached through Engineering');
  });

  test('objectGuid matches the GUID string AD shows for the entry', async () => {
    const u = ad.users.normal;
    const admin = new Client({ url: ad.ldapsUrl, tlsOptions: ad.tlsOptions });
    await admin.bind(ad.admin.upn, ad.admin.password);
    const { searchEntries } = await admin.search(u.dn, {
      scope: 'base',
      attributes: ['objectGUID'],
      explicitBufferAttributes: ['objectGUID'],
    });
    await admin.unbind();
    const raw = searchEntries[0]!.objectGUID as Buffer;
    // Independent conversion: the first three fields little-endian (MS-DTYP 2.3.4.2).
    const h = raw.toString('hex');
    const le = (s: string) => s.match(/../g)!.reverse().join('');
    const expected = `${le(h.slice(0, 8))}-${le(h.slice(8, 12))}-${le(h.slice(12, 16))}-${h.slice(16, 20)}-${h.slice(20)}`;
    const r = await v.validate(u.upn, u.password);
    assert.equal(r.attributes!.objectGuid, expected);
  });

  test('which attributes is configurable; groups can be off or direct only', async () => {
    const w = validatorFor(ad, adConfig(ad, { attributes: { include: ['upn', 'dn'], groups: 'direct' } }));
    try {
      const u = ad.users.grouped;
      const r = await w.validate(u.upn, u.password);
      assert.deepEqual(Object.keys(r.attributes!).sort(), ['dn', 'groups', 'objectGuid', 'upn']);
      assert.equal(r.attributes!.dn, u.dn);
      assert.deepEqual(r.attributes!.groups, [...u.groups].sort());
    } finally {
      await w.close();
    }
  });

  test('groups by the in-chain matching rule equal the memberOf + group graph result', async () => {
    const w = validatorFor(ad, adConfig(ad, { attributes: { groups: 'nested-in-chain' } }));
    try {
      for (const u of [ad.users.grouped, ad.users.normal]) {
        const inChain = (await w.validate(u.upn, u.password)).attributes!.groups;
        const graph = (await v.validate(u.upn, u.password)).attributes!.groups;
        assert.deepEqual(inChain, graph);
        assert.deepEqual(graph, effectiveGroups(u));
      }
    } finally {
      await w.close();
    }
  });

  test('without a service account the attributes are read with the user bind', async () => {
    const w = validatorFor(ad, adConfig(ad, { serviceAccount: undefined }));
    try {
      const u = ad.users.grouped;
      const r = await w.validate(u.upn, u.password);
      assert.equal(r.outcome, 'ok');
      assert.equal(r.attributes!.sam, u.sam);
      assert.deepEqual(r.attributes!.groups, effectiveGroups(u));
    } finally {
      await w.close();
    }
  });
});

describe('username forms', () => {
  test('alternate login id (mail) is searched, then bound as the found DN', async () => {
    const w = validatorFor(ad, adConfig(ad, { login: { attributes: ['mail'] } }));
    try {
      const u = ad.users.altLogin;
      const r = await w.validate(u.mail!, u.password);
      assert.equal(r.outcome, 'ok');
      assert.equal(r.attributes!.upn, u.upn);
      assert.equal((await w.validate(u.mail!, ad.wrongPassword)).outcome, 'invalid_credentials');
      // The UPN is not a login id in this configuration: nobody has it as mail.
      assert.equal((await w.validate(u.upn, u.password)).outcome, 'invalid_credentials');
      assert.equal((await w.validate('nobody@mail.example.test', u.password)).outcome, 'invalid_credentials');
    } finally {
      await w.close();
    }
  });

  test('an unknown or ambiguous login id sends no bind', async () => {
    const w = validatorFor(ad, adConfig(ad, { login: { attributes: ['mail', 'userPrincipalName'] } }));
    try {
      const before = await counter(w, USER_BINDS);
      assert.equal((await w.validate('nobody@mail.example.test', 'whatever-1')).outcome, 'invalid_credentials');
      assert.equal(await counter(w, USER_BINDS), before);
    } finally {
      await w.close();
    }
  });

  test('injection attempts in the username are escaped and find nobody (no bind sent)', async () => {
    const w = validatorFor(ad, adConfig(ad, { login: { attributes: ['mail'], allowSpaces: true } }));
    try {
      const attempts = [
        '*',
        '*)(objectClass=*',
        'alt.person@mail.example.test)(|(mail=*',
        '*)(|(sAMAccountName=*))(',
        'alt*',
        '*@mail.example.test',
        ad.users.altLogin.mail!.replace('alt', '*'),
      ];
      for (const username of attempts) {
        const r = await w.validate(username, ad.users.altLogin.password);
        assert.equal(r.outcome, 'invalid_credentials', username);
      }
      // A backslash is the DOMAIN\user form, not enabled here: refused before any search.
      assert.equal((await w.validate('\\2a', ad.users.altLogin.password)).outcome, 'bad_request');
      assert.equal(await counter(w, USER_BINDS), 0);
    } finally {
      await w.close();
    }
  });

  test('DOMAIN\\user works when configured, and is bad_request when not', async () => {
    const w = validatorFor(ad, adConfig(ad, { login: { downLevelDomains: [ad.netbios] } }));
    try {
      const u = ad.users.normal;
      const r = await w.validate(`${ad.netbios}\\${u.sam}`, u.password);
      assert.equal(r.outcome, 'ok');
      assert.equal(r.attributes!.upn, u.upn);
      assert.equal((await w.validate(`OTHER\\${u.sam}`, u.password)).outcome, 'bad_request');
    } finally {
      await w.close();
    }
    assert.equal((await v.validate(`${ad.netbios}\\${ad.users.normal.sam}`, 'x')).outcome, 'bad_request');
  });

  test('a username in another Unicode normal form is normalised to NFC', async () => {
    const u = ad.users.unicode;
    const nfd = u.upn.normalize('NFD');
    assert.notEqual(nfd, u.upn);
    const r = await v.validate(nfd, u.password);
    assert.equal(r.outcome, 'ok');
    assert.equal(r.attributes!.upn, u.upn);
  });
});

describe('one user bind per attempt', () => {
  test('each wrong-password attempt raises the DC badPwdCount by exactly one', async () => {
    const u = await ad.createUser({ prefix: 'onebind' });
    assert.equal(await badPwdCount(u.dn), 0);
    const before = await counter(v, USER_BINDS);
    for (let i = 1; i <= 3; i++) {
      assert.equal((await v.validate(u.upn, ad.wrongPassword)).outcome, 'invalid_credentials');
      assert.equal(await badPwdCount(u.dn), i);
    }
    assert.equal(await counter(v, USER_BINDS), before + 3);
  });

  test('an empty password never reaches a bind (it would be an anonymous bind that succeeds)', async () => {
    const u = await ad.createUser({ prefix: 'empty' });
    const before = await counter(v, USER_BINDS);
    const r = await v.validate(u.upn, '');
    assert.equal(r.outcome, 'bad_request');
    assert.equal(r.dc, undefined);
    assert.equal(await counter(v, USER_BINDS), before);
    assert.equal(await badPwdCount(u.dn), 0);
  });
});

describe('StartTLS', () => {
  test('validates over StartTLS on 389', async () => {
    const w = validatorFor(
      ad,
      adConfig(ad, {
        dcs: [{ url: ad.ldapUrl, serverName: ad.servername }],
        tls: { mode: 'starttls', caFile: ad.caFile },
      }),
    );
    try {
      const u = ad.users.normal;
      assert.equal((await w.validate(u.upn, u.password)).outcome, 'ok');
      assert.equal((await w.validate(u.upn, ad.wrongPassword)).outcome, 'invalid_credentials');
      assert.equal((await w.validate(ad.users.disabled.upn, ad.users.disabled.password)).outcome, 'account_disabled');
    } finally {
      await w.close();
    }
  });

  test('plain LDAP needs the explicit insecure flag, warns, and AD refuses it: directory_error', async () => {
    const log = captureLog();
    const w = validatorFor(ad, adConfig(ad, { dcs: [{ url: ad.ldapUrl }], tls: { mode: 'insecure-plain' } }), log);
    try {
      assert.ok(log.lines.some((l) => JSON.parse(l).event === 'insecure_transport' && JSON.parse(l).level === 40));
      const r = await w.validate(ad.users.normal.upn, ad.users.normal.password);
      assert.equal(r.outcome, 'directory_error');
    } finally {
      await w.close();
    }
  });
});
