/**
 * The agent identity commands as an operator runs them, as real processes against a real cloud:
 * `openpta admin agent-token create`, `openpta agent register`, `openpta admin agents list`, `openpta agent renew`,
 * `openpta admin agents revoke`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { agentIdentityPlugin } from '../src/agent-channel/registration/index.ts';
import { runCli } from './helpers/cli-process.ts';
import { startTestCloud, type TestCloud } from './helpers/cloud-fixture.ts';

let t: TestCloud;
let admin: (...args: string[]) => ReturnType<typeof runCli>;
const root = mkdtempSync(join(tmpdir(), 'openpta-agent-cli-'));

before(async () => {
  t = await startTestCloud({ plugins: [agentIdentityPlugin()] });
  admin = (...args) => runCli(['admin', '--data-dir', t.dataDir, ...args], { OPENPTA_ADMIN_TOKEN: undefined });
  const created = await admin('tenant', 'create', '--name', 'contoso', '--domain', 'contoso.test');
  assert.equal(created.code, 0, created.stderr);
});

after(async () => {
  await t.close();
  rmSync(root, { recursive: true, force: true });
});

test('token -> register -> list -> renew -> revoke, with --json', async () => {
  const tokenRun = await admin('--json', 'agent-token', 'create', '--tenant', 'contoso', '--ttl', '15m');
  assert.equal(tokenRun.code, 0, tokenRun.stderr);
  const token = JSON.parse(tokenRun.stdout);
  assert.match(token.token, /^optk1\./);
  assert.match(token.caFingerprint, /^sha256:([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  const ttl = Date.parse(token.expiresAt) - Date.now();
  assert.ok(ttl > 14 * 60_000 && ttl <= 15 * 60_000, `ttl ${ttl}`);

  const stateDir = join(root, 'state');
  const register = await runCli(
    ['agent', 'register', '--cloud', t.cloud.adminUrl, '--state-dir', stateDir, '--name', 'dc-agent-1', '--json'],
    { OPENPTA_AGENT_TOKEN: token.token },
  );
  assert.equal(register.code, 0, register.stderr);
  const registered = JSON.parse(register.stdout);
  assert.match(registered.agentId, /^[0-9a-f-]{36}$/);
  assert.equal(statSync(join(stateDir, 'agent-key.pem')).mode & 0o777, 0o600);
  assert.ok(!register.stdout.includes('PRIVATE KEY') && !register.stderr.includes('PRIVATE KEY'));

  const list = await admin('--json', 'agents', 'list', '--tenant', 'contoso');
  assert.equal(list.code, 0, list.stderr);
  const [agent] = JSON.parse(list.stdout);
  assert.equal(agent.id, registered.agentId);
  assert.equal(agent.name, 'dc-agent-1');
  assert.equal(agent.status, 'inactive');
  assert.equal(agent.certificateExpiresAt, registered.certificateExpiresAt);
  for (const key of ['version', 'lastSeenAt', 'inFlight', 'served', 'failed']) assert.ok(key in agent, key);

  const human = await admin('agents', 'list', '--tenant', 'contoso');
  assert.match(human.stdout, new RegExp(`^${registered.agentId} +dc-agent-1 `, 'm'));

  const renew = await runCli(['agent', 'renew', '--state-dir', stateDir, '--json']);
  assert.equal(renew.code, 0, renew.stderr);
  assert.notEqual(JSON.parse(renew.stdout).encryptionKid, registered.encryptionKid);

  const revoke = await admin('--json', 'agents', 'revoke', registered.agentId);
  assert.equal(revoke.code, 0, revoke.stderr);
  assert.equal(JSON.parse(revoke.stdout).status, 'revoked');

  const renewAgain = await runCli(['agent', 'renew', '--state-dir', stateDir]);
  assert.equal(renewAgain.code, 1);
  assert.match(renewAgain.stderr, /revoked/);
  assert.match(renewAgain.stderr, /AGENT_REVOKED/);
});

test('a reused token fails with a message that says what to do; a bad --ttl is refused before any call', async () => {
  const tokenRun = await admin('--json', 'agent-token', 'create', '--tenant', 'contoso');
  const token = JSON.parse(tokenRun.stdout).token as string;
  const first = await runCli(['agent', 'register', '--cloud', t.cloud.adminUrl, '--state-dir', join(root, 'a')], {
    OPENPTA_AGENT_TOKEN: token,
  });
  assert.equal(first.code, 0, first.stderr);
  const second = await runCli(['agent', 'register', '--cloud', t.cloud.adminUrl, '--state-dir', join(root, 'b')], {
    OPENPTA_AGENT_TOKEN: token,
  });
  assert.equal(second.code, 1);
  assert.match(second.stderr, /already used \(tokens are single-use\): create a new one \[TOKEN_USED\]/);

  const badTtl = await admin('agent-token', 'create', '--tenant', 'contoso', '--ttl', 'forever');
  assert.equal(badTtl.code, 1);
  assert.match(badTtl.stderr, /--ttl must look like/);
});

test('agent-token list and revoke: a revoked token registers nothing; a used token cannot be revoked', async () => {
  await admin('tenant', 'create', '--name', 'tokens', '--domain', 'tokens.test');
  const create = async () => {
    const run = await admin('--json', 'agent-token', 'create', '--tenant', 'tokens');
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as { token: string; tokenId: string };
  };
  const kept = await create();
  const revoked = await create();

  const revoke = await admin('--json', 'agent-token', 'revoke', revoked.tokenId);
  assert.equal(revoke.code, 0, revoke.stderr);
  assert.equal(JSON.parse(revoke.stdout).status, 'revoked');
  // Twice is harmless.
  assert.equal((await admin('agent-token', 'revoke', revoked.tokenId)).code, 0);

  const refused = await runCli(
    ['agent', 'register', '--cloud', t.cloud.adminUrl, '--state-dir', join(root, 'revoked-token')],
    { OPENPTA_AGENT_TOKEN: revoked.token },
  );
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /revoked by an administrator/);
  assert.match(refused.stderr, /TOKEN_REVOKED/);

  const registered = await runCli(
    ['agent', 'register', '--cloud', t.cloud.adminUrl, '--state-dir', join(root, 'kept-token'), '--json'],
    { OPENPTA_AGENT_TOKEN: kept.token },
  );
  assert.equal(registered.code, 0, registered.stderr);
  const agentId = JSON.parse(registered.stdout).agentId as string;

  const list = await admin('--json', 'agent-token', 'list', '--tenant', 'tokens');
  assert.equal(list.code, 0, list.stderr);
  const tokens = JSON.parse(list.stdout) as Record<string, unknown>[];
  const byId = new Map(tokens.map((t) => [t.tokenId, t]));
  assert.equal(tokens.length, 2);
  assert.equal(byId.get(revoked.tokenId)?.status, 'revoked');
  assert.match(String(byId.get(revoked.tokenId)?.revokedBy), /^admin-token:/);
  assert.equal(byId.get(kept.tokenId)?.status, 'used');
  assert.equal(byId.get(kept.tokenId)?.usedByAgentId, agentId);
  assert.ok(!list.stdout.includes(kept.token) && !list.stdout.includes(revoked.token), 'no token secret listed');

  const human = await admin('agent-token', 'list', '--tenant', 'tokens');
  assert.match(human.stdout, new RegExp(`^${revoked.tokenId} +revoked `, 'm'));

  const usedRevoke = await admin('agent-token', 'revoke', kept.tokenId);
  assert.equal(usedRevoke.code, 1);
  assert.match(usedRevoke.stderr, /already used by agent .*revoke that agent instead.*conflict, HTTP 409/);
  const unknown = await admin('agent-token', 'revoke', 'no-such-token');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /HTTP 404/);

  const audit = await admin('--json', 'audit', '--limit', '20');
  assert.ok(JSON.parse(audit.stdout).some((e: { action: string }) => e.action === 'agent.token.revoke'));
});
