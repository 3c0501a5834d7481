/**
 * Per-tenant signing key rotation (rotateSigningKey): the next key is in the JWKS before it signs anything; after a
 * rotation it signs, the old key stays published until every token it signed has expired, then leaves the JWKS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { MAX_SIGNED_TTL_SECONDS, rotateSigningKeyInStore } from '../src/oidc/index.ts';
import type { Harness } from './support/oidc-harness.ts';
import { discoverRp, redeemCode, signIn } from './support/oidc-rp.ts';
import { startScriptedHarness } from './support/scripted-harness.ts';

const PASSWORD = 'Scripted-Pass-1';
let h: Harness;

before(async () => {
  h = await startScriptedHarness(PASSWORD, '0f0e0d0c-0b0a-4909-8807-060504030201');
});
after(async () => h?.close());

async function kids(): Promise<string[]> {
  const response = await h.fetch(`${h.tenant.issuer}/jwks`);
  return ((await response.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
}

async function idToken(): Promise<string> {
  const { clientId, clientSecret } = await h.createClient();
  const config = await discoverRp(h, clientId, clientSecret);
  const { pending, callback } = await signIn(h, config, 'kim@corp.example.test', PASSWORD);
  const tokens = await redeemCode(config, callback, pending);
  return tokens.id_token!;
}

describe('rotateSigningKey', () => {
  test('publishes the next key before use, signs with it after rotation, keeps the old key until tokens expire', async () => {
    const [active, next] = await kids();
    assert.ok(active && next && active !== next);
    const before = await idToken();
    assert.equal(decodeProtectedHeader(before).kid, active, 'the active key signs, never the next one');

    const rotated = await h.registry.rotateSigningKey(h.tenant);
    assert.equal(rotated.activeKid, next, 'the key published in advance becomes active');
    assert.equal(rotated.retiredKid, active);
    const published = await kids();
    assert.deepEqual(published.slice(0, 2), [next, rotated.nextKid]);
    assert.ok(published.includes(active), 'the retired key is still published');

    const afterRotation = await idToken();
    assert.equal(decodeProtectedHeader(afterRotation).kid, next);
    // A token signed before the rotation still verifies against the current JWKS.
    const set = createLocalJWKSet((await (await h.fetch(`${h.tenant.issuer}/jwks`)).json()) as { keys: [] });
    await jwtVerify(before, set, { issuer: h.tenant.issuer });
    await jwtVerify(afterRotation, set, { issuer: h.tenant.issuer });

    // Once every token the retired key signed has expired, the next rotation drops it from the JWKS.
    const later = Date.now() + (MAX_SIGNED_TTL_SECONDS + 60) * 1000;
    await rotateSigningKeyInStore(h.cloud.ctx.store.db, h.tenant.id, {
      maxTokenTtlSeconds: MAX_SIGNED_TTL_SECONDS,
      now: () => later,
    });
    h.registry.invalidate(h.tenant.id);
    const finalKids = await kids();
    assert.ok(!finalKids.includes(active), 'expired retired key removed');
    assert.ok(finalKids.includes(next), 'the key retired just now is still published');
    assert.equal(finalKids.length, 3);
  });

  test('the admin API rotates (bearer token, audited) and lists the keys', async () => {
    const url = `${h.baseUrl}/admin/api/v1/tenants/acme/signing-keys`;
    const token = h.cloud.createdAdminToken!;
    assert.equal((await h.fetch(`${url}/rotate`, { method: 'POST' })).status, 401);
    assert.equal(
      (await h.fetch(`${url}/rotate`, { method: 'POST', headers: { authorization: 'Bearer wrong' } })).status,
      401,
    );
    const before = (await (await h.fetch(url, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      keys: { kid: string; signs: boolean }[];
    };
    const signing = before.keys.find((k) => k.signs);
    const rotated = await h.fetch(`${url}/rotate`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.equal(rotated.status, 200);
    const result = (await rotated.json()) as { activeKid: string; retiredKid: string };
    assert.equal(result.retiredKid, signing?.kid);
    assert.ok(await kids().then((k) => k.includes(result.activeKid)));
    const audit = await h.cloud.ctx.store.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'tenant.signing_key.rotate')
      .execute();
    assert.equal(audit.length, 1);
    const unknown = await h.fetch(`${h.baseUrl}/admin/api/v1/tenants/nope/signing-keys/rotate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(unknown.status, 404);
  });

  test('concurrent first requests for a tenant build one provider and one key pair', async () => {
    const tenant = await h.cloud.ctx.services.tenants.create({
      name: 'initech',
      displayName: 'Initech',
      domains: ['initech.example.test'],
    });
    const providers = await Promise.all(Array.from({ length: 5 }, () => h.registry.get(tenant)));
    assert.ok(providers.every((p) => p === providers[0]));
    assert.equal(providers[0]?.issuer, tenant.issuer);
    const rows = await h.cloud.ctx.store.db
      .selectFrom('signing_keys')
      .select('kid')
      .where('tenant_id', '=', tenant.id)
      .execute();
    assert.equal(rows.length, 2);
  });
});
