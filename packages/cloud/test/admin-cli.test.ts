import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli } from './helpers/cli-process.ts';
import { startTestCloud, type TestCloud } from './helpers/cloud-fixture.ts';

/** `openpta admin ...` run as real processes against a real server; defaults come from DATA_DIR/admin.json. */
let t: TestCloud;
let admin: (...args: string[]) => ReturnType<typeof runCli>;
before(async () => {
  t = await startTestCloud();
  admin = (...args) => runCli(['admin', '--data-dir', t.dataDir, ...args], { OPENPTA_ADMIN_TOKEN: undefined });
});
after(() => t.close());

test('tenant create/list, with --json and human output', async () => {
  const created = await admin(
    '--json',
    'tenant',
    'create',
    '--name',
    'contoso',
    '--domain',
    'contoso.com',
    '--domain',
    'EU.Contoso.com',
  );
  assert.equal(created.code, 0, created.stderr);
  const tenant = JSON.parse(created.stdout);
  assert.equal(tenant.name, 'contoso');
  assert.match(tenant.id, /^[0-9a-f-]{36}$/);
  assert.equal(tenant.issuer, `${t.cloud.ctx.config.publicUrl}/t/contoso`);
  assert.deepEqual(tenant.domains, ['contoso.com', 'eu.contoso.com']);

  const human = await admin('tenant', 'create', '--name', 'fabrikam', '--domain', 'fabrikam.com');
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^id: +[0-9a-f-]{36}$/m);
  assert.match(human.stdout, /^issuer: +https:\/\/localhost:\d+\/t\/fabrikam$/m);

  const list = await admin('--json', 'tenant', 'list');
  assert.deepEqual(
    JSON.parse(list.stdout).map((x: { name: string }) => x.name),
    ['contoso', 'fabrikam'],
  );
});

test('duplicate domain: exit 1 with the conflict explained; unknown tenant: 404', async () => {
  const dup = await admin('tenant', 'create', '--name', 'other', '--domain', 'CONTOSO.com');
  assert.equal(dup.code, 1);
  assert.match(
    dup.stderr,
    /^openpta: domain contoso\.com is already verified by another tenant \(conflict, HTTP 409\)$/m,
  );
  const missing = await admin('user', 'list', '--tenant', 'nobody');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /not_found, HTTP 404/);
  const bad = await admin('client', 'create', '--tenant', 'contoso', '--redirect-uri', 'ftp://x');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /redirectUris\.0: redirect URI must be an absolute https URL.*HTTP 400/);
});

test('client create (confidential and --public), client list, user list', async () => {
  const conf = await admin(
    '--json',
    'client',
    'create',
    '--tenant',
    'contoso',
    '--redirect-uri',
    'https://app.example/cb',
  );
  assert.equal(conf.code, 0, conf.stderr);
  const client = JSON.parse(conf.stdout);
  assert.ok(client.client_id);
  assert.match(client.client_secret, /^[A-Za-z0-9_-]{43}$/);
  const stored = await t.cloud.ctx.services.clients.getWithSecret(client.client_id);
  assert.equal(stored?.clientSecret, client.client_secret, 'the printed secret is the one the provider will check');

  const pub = await admin(
    'client',
    'create',
    '--tenant',
    'contoso',
    '--redirect-uri',
    'http://localhost:5173/cb',
    '--public',
  );
  assert.equal(pub.code, 0, pub.stderr);
  assert.match(pub.stdout, /^client_secret: +-$/m);
  assert.match(pub.stdout, /^public: +true$/m);

  const list = await admin('--json', 'client', 'list', '--tenant', 'contoso');
  const clients = JSON.parse(list.stdout);
  assert.equal(clients.length, 2);
  assert.ok(!list.stdout.includes(client.client_secret), 'listing never shows a secret');

  const tenant = (await t.cloud.ctx.services.tenants.getByName('contoso'))!;
  await t.cloud.ctx.services.users.upsertFromDirectory(tenant.id, {
    objectGuid: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
    upn: 'bob@contoso.com',
  });
  const users = await admin('--json', 'user', 'list', '--tenant', 'contoso');
  assert.equal(users.code, 0, users.stderr);
  assert.deepEqual(
    JSON.parse(users.stdout).map((u: { upn: string }) => u.upn),
    ['bob@contoso.com'],
  );
  const human = await admin('user', 'list', '--tenant', 'fabrikam');
  assert.equal(human.stdout.trim(), '(none)');
});

test('connection: --url/--token/--ca-file override admin.json; a wrong token or missing CA fails clearly', async () => {
  const explicit = await runCli(
    [
      'admin',
      '--data-dir',
      '/nonexistent',
      '--url',
      t.cloud.adminUrl,
      '--ca-file',
      t.cloud.ctx.tls.caFile!,
      'tenant',
      'list',
    ],
    {
      OPENPTA_ADMIN_TOKEN: t.token,
    },
  );
  assert.equal(explicit.code, 0, explicit.stderr);
  assert.match(explicit.stdout, /contoso/);

  const wrong = await admin('--token', 'opta_admin_wrong', 'tenant', 'list');
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /admin token is not valid \(unauthorized, HTTP 401\)/);

  const noCa = await runCli(['admin', '--data-dir', '/nonexistent', '--url', t.cloud.adminUrl, 'tenant', 'list'], {
    OPENPTA_ADMIN_TOKEN: t.token,
  });
  assert.equal(noCa.code, 1);
  assert.match(noCa.stderr, /--ca-file/);

  const nothing = await runCli(['admin', '--data-dir', '/nonexistent', 'tenant', 'list'], {
    OPENPTA_ADMIN_URL: undefined,
  });
  assert.equal(nothing.code, 1);
  assert.match(nothing.stderr, /no admin API URL: pass --url/);
});

test('token reset (local recovery): revokes every admin token, prints a new one, updates admin.json', async () => {
  const reset = await admin('--json', 'token', 'reset');
  assert.equal(reset.code, 0, reset.stderr);
  const result = JSON.parse(reset.stdout);
  assert.match(result.token, /^opta_admin_/);
  assert.equal(result.revoked, 1);
  const old = await t.admin('GET', '/admin/api/v1/tenants');
  assert.equal(old.status, 401, 'the previous token no longer works');
  const list = await admin('tenant', 'list');
  assert.equal(list.code, 0, `admin.json holds the new token: ${list.stderr}`);
  const events = await t.cloud.store.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'admin_token.reset')
    .execute();
  assert.equal(events.length, 1);
  assert.match(events[0]!.actor, /^local:/);
});
