/**
 * The whole flow through a real agent to Active Directory (the Samba AD test bed): the cloud app (SQLite, dev TLS),
 * the agent channel as credential verifier, one agent registered through the real registration API and connected
 * over mutual TLS, validating with LDAPS binds against the DC.
 *
 * Every account state goes through the channel verifier (the same object the sign-in page calls); the sign-in page
 * itself is driven end to end for a successful OIDC sign-in (authorize, page, POST, code, token) and a wrong
 * password, and a password change goes through the channel too. Every outcome on the sign-in page (HTTP and
 * Chromium) through a real agent is in agent-channel-ad-outcomes.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Outcome } from '@openpta/protocol';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { type AccountState, type AdTestbed, adTestbed } from '../../../scripts/testbed/index.ts';
import { type DemoStack, startDemoStack } from '../../cli/src/demo/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { REDIRECT_URI } from './support/oidc-harness.ts';
import { authorizationRequest, discoverRp, HttpSession, openSignIn, signIn, submitSignIn } from './support/oidc-rp.ts';

const EXPECTED: Record<AccountState, Outcome> = {
  enabled: 'ok',
  disabled: 'account_disabled',
  mustChange: 'password_must_change',
  accountExpired: 'account_expired',
  locked: 'account_locked',
  passwordExpired: 'password_expired',
  logonHours: 'logon_hours',
};

describe('sign-in through the agent channel to the AD test bed', () => {
  let tb: AdTestbed;
  let stack: DemoStack;
  let dataDir: string;
  const logs: string[] = [];
  let dispatcher: Agent;
  before(async () => {
    tb = await adTestbed();
    dataDir = mkdtempSync(join(tmpdir(), 'openpta-ad-e2e-'));
    const svcFile = join(dataDir, 'service-password');
    writeFileSync(svcFile, tb.users.service.password, { mode: 0o600 });
    const destination = new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    });
    stack = await startDemoStack({
      dataDir,
      port: 0,
      rpPort: 0,
      agentHealthPort: 0,
      logger: createLogger('debug', destination),
      directory: { ldapsUrl: tb.ldapsUrl, caPem: tb.caPem, servername: tb.servername, baseDn: tb.baseDn },
      // Password changes search the user first: an ordinary service account (no special rights).
      agentDirectoryOverrides: { serviceAccount: { bindDn: tb.users.service.upn, passwordFile: svcFile } },
    });
    await stack.agent.client.whenConnected();
    const { readFileSync } = await import('node:fs');
    dispatcher = new Agent({ connect: { ca: readFileSync(stack.caFile, 'utf8') } });
  });
  after(async () => {
    await stack?.close();
    await dispatcher?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const verify = (username: string, password: string) =>
    stack.channel.verifier.verifyPassword({ tenantId: stack.tenant.id, username, password, correlationId: 'ad-e2e' });

  test('the channel logs through the app logger (so the no-password checks below see its lines)', () => {
    assert.ok(logs.some((l) => l.includes('"component":"agent-gateway"') && l.includes('"msg":"agent connected"')));
  });

  test('every account state gives its outcome through cloud, queue, agent and DC', async () => {
    for (const user of Object.values(tb.users)) {
      const r = await verify(user.upn, user.password);
      assert.equal(r.outcome, EXPECTED[user.state], `${user.upn} (${user.state})`);
      assert.equal(r.agentId, stack.agent.client.identity?.agentId);
      if (r.outcome === 'ok') {
        assert.equal(r.attributes?.upn, user.upn);
        assert.match(r.attributes?.objectGuid ?? '', /^[0-9a-f-]{36}$/);
      }
    }
  });

  test('wrong password and unknown user: invalid_credentials; empty password: bad_request, never a bind', async () => {
    const user = await tb.createUser({ prefix: 'e2ew' });
    assert.equal((await verify(user.upn, tb.wrongPassword)).outcome, 'invalid_credentials');
    assert.equal((await verify(tb.unknownUpn, tb.wrongPassword)).outcome, 'invalid_credentials');
    assert.equal((await verify(user.upn, '')).outcome, 'bad_request');
    assert.equal((await verify(user.upn, user.password)).outcome, 'ok');
  });

  test('password change goes through the channel to AD', async () => {
    const user = await tb.createUser({ prefix: 'e2ec', state: 'mustChange' });
    assert.equal((await verify(user.upn, user.password)).outcome, 'password_must_change');
    const newPassword = `N3w-${user.password}-x`;
    const changed = await stack.channel.verifier.changePassword({
      tenantId: stack.tenant.id,
      username: user.upn,
      oldPassword: user.password,
      newPassword,
      correlationId: 'ad-e2e-change',
    });
    assert.equal(
      changed.outcome,
      'ok',
      logs
        .filter((l) => /change|error|warn/i.test(l))
        .slice(-8)
        .join('\n'),
    );
    assert.equal((await verify(user.upn, newPassword)).outcome, 'ok');
    assert.ok(!logs.join('').includes(newPassword));
  });

  test('a full OIDC sign-in on the sign-in page (authorize, page, POST, code, token) and a wrong password', async () => {
    const { client } = await stack.cloud.ctx.services.clients.create({
      tenantId: stack.tenant.id,
      name: 'e2e rp',
      redirectUris: [REDIRECT_URI],
      public: true,
    });
    const fetchWithCa = ((input: Parameters<typeof undiciFetch>[0], init: Parameters<typeof undiciFetch>[1] = {}) =>
      undiciFetch(input, { redirect: 'manual', ...init, dispatcher })) as typeof undiciFetch;
    const h = { fetch: fetchWithCa, baseUrl: stack.cloud.ctx.config.publicUrl, tenant: stack.tenant } as never;
    const config = await discoverRp(h, client.clientId, undefined, oidc.None());
    const user = tb.users.normal;
    const { pending, callback } = await signIn(h, config, user.upn, user.password);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
    });
    const claims = tokens.claims();
    assert.ok(claims?.sub);
    // A wrong password re-renders the page: no redirect back to the app.
    const session = new HttpSession(fetchWithCa);
    const second = await authorizationRequest(config);
    const page = await openSignIn(h, session, second.url);
    const wrong = await submitSignIn(h, session, page, user.upn, tb.wrongPassword);
    assert.ok(!(wrong.location ?? '').startsWith(REDIRECT_URI));
    assert.ok(!logs.join('').includes(user.password));
    assert.ok(!logs.join('').includes(tb.wrongPassword));
  });

  test('no agent connected: agent_unavailable at once', async () => {
    await stack.agent.stop();
    assert.equal((await verify(tb.users.normal.upn, tb.users.normal.password)).outcome, 'agent_unavailable');
  });
});
