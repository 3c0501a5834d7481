import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { migrateAllDown, migrateToLatest, type Store } from '../../src/store/index.ts';
import { MIGRATIONS } from '../../src/store/migrations/index.ts';
import {
  createClientService,
  createSecretBox,
  createTenantService,
  createUserService,
} from '../../src/tenants/index.ts';

const PUBLIC_URL = 'https://login.example.test';

/**
 * One behaviour suite for every store implementation (SQLite file, PostgreSQL): every migration runs up, the
 * platform services behave the same on it, and every migration runs down again.
 */
export function storeConformance(label: string, open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>) {
  test(`${label}: migrations, tenants, clients, users`, async (t) => {
    const { store, cleanup } = await open();
    t.after(cleanup);
    const applied = await migrateToLatest(store);
    assert.deepEqual(applied, Object.keys(MIGRATIONS), 'every migration applies, in order');
    assert.deepEqual(await migrateToLatest(store), [], 'a second run applies nothing');

    const tenants = createTenantService({ db: store.db, publicUrl: PUBLIC_URL });
    const secretBox = createSecretBox(Buffer.alloc(32, 7));
    const clients = createClientService({ db: store.db, secretBox });
    const users = createUserService({ db: store.db });

    await t.test('tenant create lower-cases domains and derives the issuer', async () => {
      const tenant = await tenants.create({ name: 'contoso', domains: ['Contoso.COM', 'corp.contoso.com'] });
      assert.equal(tenant.name, 'contoso');
      assert.equal(tenant.displayName, 'contoso');
      assert.deepEqual(tenant.domains, ['contoso.com', 'corp.contoso.com']);
      assert.equal(tenant.issuer, `${PUBLIC_URL}/t/contoso`);
      assert.equal(typeof tenant.createdAt, 'number', 'timestamps come back as numbers on every dialect');
      assert.deepEqual((await tenants.findByDomain('CORP.contoso.com'))?.id, tenant.id);
      assert.equal(await tenants.findByDomain('fabrikam.com'), undefined);
    });

    await t.test('a domain is unique across tenants (409), and so is the name', async () => {
      await assert.rejects(tenants.create({ name: 'fabrikam', domains: ['fabrikam.com', 'CONTOSO.com'] }), {
        code: 'conflict',
        status: 409,
      });
      assert.equal(await tenants.getByName('fabrikam'), undefined, 'nothing of the failed create is left');
      await assert.rejects(tenants.create({ name: 'contoso', domains: ['other.example'] }), { code: 'conflict' });
      await tenants.create({ name: 'fabrikam', displayName: 'Fabrikam Inc.', domains: ['fabrikam.com'] });
      await assert.rejects(tenants.addDomain('fabrikam', 'contoso.com'), { code: 'conflict' });
      const updated = await tenants.addDomain('fabrikam', 'eu.fabrikam.com');
      assert.deepEqual(updated.domains, ['eu.fabrikam.com', 'fabrikam.com']);
      assert.deepEqual(
        (await tenants.list()).map((x) => x.name),
        ['contoso', 'fabrikam'],
      );
    });

    await t.test('bad names and domains are rejected by validation', async () => {
      for (const domains of [
        ['no_underscore.com'],
        ['localhost'],
        ['-a.com'],
        ['a..com'],
        [`${'a'.repeat(64)}.com`],
        [],
      ]) {
        await assert.rejects(
          tenants.create({ name: 'good-name', domains }),
          (error: Error & { issues?: unknown[] }) => {
            assert.equal(error.name, 'ZodError', `domains ${JSON.stringify(domains)}`);
            return true;
          },
        );
      }
      for (const name of ['Upper', 'a', 'has space', '-lead', 'trail-', 'x/y']) {
        await assert.rejects(tenants.create({ name, domains: ['ok.example'] }), { name: 'ZodError' });
      }
      await assert.rejects(tenants.requireByName('nobody'), { code: 'not_found', status: 404 });
    });

    await t.test('confidential client secrets are sealed at rest and recoverable for the provider', async () => {
      const tenant = (await tenants.getByName('contoso'))!;
      const { client, clientSecret } = await clients.create({
        tenantId: tenant.id,
        redirectUris: ['https://app.example/cb', 'https://app.example/cb'],
      });
      assert.ok(clientSecret && clientSecret.length >= 43);
      assert.deepEqual(client.redirectUris, ['https://app.example/cb']);
      assert.equal(client.public, false);
      const row = await store.db
        .selectFrom('oidc_clients')
        .selectAll()
        .where('client_id', '=', client.clientId)
        .executeTakeFirstOrThrow();
      assert.ok(row.client_secret_sealed && !row.client_secret_sealed.includes(clientSecret), 'no plaintext at rest');
      assert.equal((await clients.getWithSecret(client.clientId))?.clientSecret, clientSecret);

      const pub = await clients.create({
        tenantId: tenant.id,
        redirectUris: ['http://localhost:3000/cb'],
        public: true,
      });
      assert.equal(pub.clientSecret, undefined);
      assert.equal((await clients.getWithSecret(pub.client.clientId))?.clientSecret, undefined);
      assert.equal((await clients.list(tenant.id)).length, 2);
      await assert.rejects(
        clients.create({ tenantId: tenant.id, redirectUris: ['http://evil.example/cb'] }),
        { name: 'ZodError' },
        'plain http only for loopback (RFC 8252 section 7.3)',
      );
      await assert.rejects(clients.create({ tenantId: tenant.id, redirectUris: ['https://a.example/cb#frag'] }), {
        name: 'ZodError',
      });
      await assert.rejects(clients.create({ tenantId: 'missing', redirectUris: ['https://a.example/cb'] }), {
        code: 'not_found',
      });
      await clients.delete(pub.client.clientId);
      assert.equal(await clients.get(pub.client.clientId), undefined);
    });

    await t.test(
      'users: just-in-time upsert keyed by (tenant, objectGUID); sub stable; nothing secret stored',
      async () => {
        const contoso = (await tenants.getByName('contoso'))!;
        const fabrikam = (await tenants.getByName('fabrikam'))!;
        const objectGuid = '0d6c3c4e-1f2a-4b5c-8d9e-0a1b2c3d4e5f';
        const first = await users.upsertFromDirectory(contoso.id, {
          objectGuid,
          upn: 'alice@contoso.com',
          displayName: 'Alice',
          // Not part of DirectoryAttributes: must never be persisted.
          password: 'S3cret-Passw0rd!',
        } as never);
        const renamed = await users.upsertFromDirectory(contoso.id, { objectGuid, upn: 'alice.smith@contoso.com' });
        assert.equal(renamed.id, first.id, 'sub survives a UPN change');
        assert.equal(renamed.upn, 'alice.smith@contoso.com');
        assert.notEqual(first.id, objectGuid);
        assert.notEqual(first.id, 'alice@contoso.com');
        const other = await users.upsertFromDirectory(fabrikam.id, { objectGuid });
        assert.notEqual(other.id, first.id, 'same directory id in another tenant is another user');
        assert.equal((await users.list(contoso.id)).length, 1);
        assert.equal((await users.getById(contoso.id, first.id))?.objectGuid, objectGuid);
        assert.equal(await users.getById(fabrikam.id, first.id), undefined, 'lookups are tenant-scoped');
        const everything = JSON.stringify(await store.db.selectFrom('users').selectAll().execute());
        assert.ok(!everything.includes('S3cret-Passw0rd!'), 'no password in the users table');
        await assert.rejects(users.upsertFromDirectory(contoso.id, { objectGuid: 'not-a-guid' }), { name: 'ZodError' });
      },
    );

    await t.test('every migration rolls back', async () => {
      await migrateAllDown(store);
      const leftover =
        store.dialect === 'sqlite'
          ? await sql<{
              name: string;
            }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'`.execute(
              store.db,
            )
          : await sql<{
              name: string;
            }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_name not like 'kysely_%'`.execute(
              store.db,
            );
      assert.deepEqual(leftover.rows, []);
    });
  });
}
