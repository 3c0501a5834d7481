import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { hashAdminToken } from '../src/admin/index.ts';
import { startTestCloud, type TestCloud } from './helpers/cloud-fixture.ts';

let t: TestCloud;
before(async () => {
  t = await startTestCloud();
});
after(() => t.close());

const API = '/admin/api/v1';

test('first start: the admin token is printed once, stored hashed, and saved 0600 for the local CLI', async () => {
  assert.match(t.token, /^opta_admin_[A-Za-z0-9_-]{43}$/);
  assert.ok(
    t.announced.some((line) => line.includes(t.token)),
    'printed at start-up',
  );
  assert.equal(statSync(join(t.dataDir, 'admin.json')).mode & 0o777, 0o600);
  const rows = await t.cloud.store.db.selectFrom('admin_tokens').selectAll().execute();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.token_hash, hashAdminToken(t.token), 'SHA-256 of the token');
  assert.ok(!JSON.stringify(rows).includes(t.token), 'the token itself is not stored');
  const events = await t.cloud.store.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'admin_token.create')
    .execute();
  assert.deepEqual(
    events.map((e) => [e.actor, e.target]),
    [['system', `admin-token:${rows[0]!.id}`]],
    'the token creation is audited',
  );
});

test('admin API auth: missing, malformed or wrong token is 401 with a Bearer challenge (RFC 6750)', async () => {
  const nearMiss = `${t.token.slice(0, -1)}${t.token.endsWith('A') ? 'B' : 'A'}`;
  for (const authorization of [undefined, 'Basic abc', `Bearer ${nearMiss}`, 'Bearer ', `bearer${t.token}`]) {
    const res = await t.http('GET', `${API}/tenants`, { headers: authorization ? { authorization } : {} });
    assert.equal(res.status, 401, String(authorization));
    assert.equal(res.json.error, 'unauthorized');
    assert.match(String(res.headers['www-authenticate']), /^Bearer realm="openpta-admin"/);
  }
  const ok = await t.admin('GET', `${API}/tenants`);
  assert.equal(ok.status, 200);
});

test('every admin scope (platform, OIDC keys, protection) checks the token the same way', async () => {
  const nearMiss = `${t.token.slice(0, -1)}${t.token.endsWith('A') ? 'B' : 'A'}`;
  const paths = [`${API}/tenants`, `${API}/tenants/x/signing-keys`, `${API}/tenants/x/protection`];
  for (const path of paths) {
    const missing = await t.http('GET', path);
    assert.equal(missing.status, 401, path);
    assert.match(missing.json.message, /admin API needs "Authorization: Bearer <admin token>"/, path);
    assert.equal(missing.headers['www-authenticate'], 'Bearer realm="openpta-admin"', path);
    const wrong = await t.http('GET', path, { headers: { authorization: `Bearer ${nearMiss}` } });
    assert.equal(wrong.status, 401, path);
    assert.equal(wrong.json.message, 'admin token is not valid', path);
    assert.equal(wrong.headers['www-authenticate'], 'Bearer realm="openpta-admin", error="invalid_token"', path);
  }
});

test('tenants: create 201, duplicate domain 409, unknown 404, bad input 400 with the field, bad JSON 400', async () => {
  const created = await t.admin('POST', `${API}/tenants`, { name: 'contoso', domains: ['Contoso.com'] });
  assert.equal(created.status, 201);
  assert.equal(created.json.name, 'contoso');
  assert.deepEqual(created.json.domains, ['contoso.com']);
  assert.equal(created.json.issuer, `${t.cloud.ctx.config.publicUrl}/t/contoso`);
  assert.match(t.cloud.ctx.config.publicUrl, /^https:\/\/localhost:\d+$/, 'ephemeral port resolved');

  const dup = await t.admin('POST', `${API}/tenants`, { name: 'fabrikam', domains: ['CONTOSO.COM'] });
  assert.equal(dup.status, 409);
  assert.equal(dup.json.error, 'conflict');
  assert.match(dup.json.message, /contoso\.com/);

  const missing = await t.admin('GET', `${API}/tenants/nobody`);
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error, 'not_found');

  const bad = await t.admin('POST', `${API}/tenants`, { name: 'Bad Name', domains: ['not a domain'] });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error, 'invalid_request');
  assert.deepEqual(bad.json.issues.map((i: { path: string }) => i.path).sort(), ['domains.0', 'name']);

  const extra = await t.admin('POST', `${API}/tenants`, { name: 'ok-name', domains: ['ok.example'], admin: true });
  assert.equal(extra.status, 400, 'unknown fields are refused, not ignored');

  const json = await t.http('POST', `${API}/tenants`, {
    headers: { authorization: `Bearer ${t.token}` },
    rawBody: '{"name": "x",',
  });
  assert.equal(json.status, 400);
  assert.equal(json.json.error, 'invalid_json');
  assert.ok(!json.text.includes('at '), 'no stack trace');

  const noBody = await t.admin('POST', `${API}/tenants`);
  assert.equal(noBody.status, 400);
});

test('clients and users: create, list; the secret is shown once and never audited', async () => {
  const created = await t.admin('POST', `${API}/tenants/contoso/clients`, { redirectUris: ['https://app.example/cb'] });
  assert.equal(created.status, 201);
  assert.ok(created.json.clientId);
  assert.ok(created.json.clientSecret);
  const listed = await t.admin('GET', `${API}/tenants/contoso/clients`);
  assert.equal(listed.json.clients.length, 1);
  assert.equal(listed.json.clients[0].clientSecret, undefined, 'lists never show secrets');
  assert.equal(
    (await t.admin('POST', `${API}/tenants/nobody/clients`, { redirectUris: ['https://a.example/cb'] })).status,
    404,
  );
  // Client settings are strict: an unknown key (a typo) is refused instead of silently doing nothing.
  const typo = await t.admin('POST', `${API}/tenants/contoso/clients`, {
    redirectUris: ['https://app.example/cb'],
    settings: { firstparty: false },
  });
  assert.equal(typo.status, 400);
  assert.match(typo.json.message, /settings: Unrecognized key: "firstparty"/);

  const tenant = (await t.cloud.ctx.services.tenants.getByName('contoso'))!;
  await t.cloud.ctx.services.users.upsertFromDirectory(tenant.id, {
    objectGuid: '11111111-2222-4333-8444-555555555555',
    upn: 'alice@contoso.com',
  });
  const users = await t.admin('GET', `${API}/tenants/contoso/users`);
  assert.equal(users.status, 200);
  assert.equal(users.json.users[0].upn, 'alice@contoso.com');

  const audit = await t.admin('GET', `${API}/audit-events?limit=10`);
  const actions = audit.json.events.map((e: { action: string }) => e.action);
  assert.ok(actions.includes('tenant.create') && actions.includes('client.create'));
  assert.ok(
    audit.json.events
      .filter((e: { action: string }) => e.action !== 'admin_token.create')
      .every((e: { actor: string }) => e.actor.startsWith('admin-token:')),
  );
  assert.ok(!audit.text.includes(created.json.clientSecret), 'no secret in the audit trail');
  const rows = await t.cloud.store.db.selectFrom('audit_events').selectAll().execute();
  assert.equal(rows.filter((r) => r.action === 'tenant.create').length, 1, 'the failed creates wrote no event');
});
