/**
 * Agent identity settings in the cloud configuration (`agents:` in the config file, OPENPTA_AGENTS_* in the
 * environment): validated like every setting, and applied to real registrations (certificate validity, renewal
 * point, registration token lifetime).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadAgentIdentity, registerAgent } from '@openpta/agent';
import { agentIdentityPlugin } from '../src/agent-channel/registration/index.ts';
import { ConfigError, loadCloudConfig } from '../src/config/index.ts';
import { startTestCloud } from './helpers/cloud-fixture.ts';

const HOUR = 3_600_000;

test('agents.* from the config file, overridden by OPENPTA_AGENTS_*; unset ones keep their defaults', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openpta-agents-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'openpta.yaml');
  writeFileSync(file, 'agents:\n  certificateValidityMs: 7200000\n  renewAtFraction: 0.5\n  tokenTtlMs: 600000\n');
  const fromFile = loadCloudConfig({ env: { OPENPTA_CONFIG: file }, cwd: dir });
  assert.deepEqual(fromFile.agents, { certificateValidityMs: 2 * HOUR, renewAtFraction: 0.5, tokenTtlMs: 600_000 });
  const fromEnv = loadCloudConfig({
    env: { OPENPTA_CONFIG: file, OPENPTA_AGENTS_CERTIFICATE_VALIDITY_MS: String(3 * HOUR) },
    cwd: dir,
  });
  assert.equal(fromEnv.agents.certificateValidityMs, 3 * HOUR, 'environment beats the file');
  assert.equal(fromEnv.agents.renewAtFraction, 0.5, 'the block merges field by field');
  assert.deepEqual(loadCloudConfig({ env: {}, cwd: dir }).agents, {});
});

test('bad agent settings stop the start with the field and where to set it', () => {
  const issues = (env: Record<string, string>) => {
    try {
      loadCloudConfig({ env });
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.issues;
    }
    assert.fail('expected a ConfigError');
  };
  const [short] = issues({ OPENPTA_AGENTS_CERTIFICATE_VALIDITY_MS: '1000' });
  assert.equal(short?.field, 'agents.certificateValidityMs');
  assert.match(short!.message, /at least 60000.*OPENPTA_AGENTS_CERTIFICATE_VALIDITY_MS/);
  const [fraction] = issues({ OPENPTA_AGENTS_RENEW_AT_FRACTION: '1.5' });
  assert.equal(fraction?.field, 'agents.renewAtFraction');
  const [order] = issues({
    OPENPTA_AGENTS_TOKEN_TTL_MS: String(2 * HOUR),
    OPENPTA_AGENTS_MAX_TOKEN_TTL_MS: String(HOUR),
  });
  assert.equal(order?.field, 'agents.tokenTtlMs');
  assert.match(order!.message, /maxTokenTtlMs/);
});

test('the configured validity, renewal point and token lifetime apply to a real registration', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openpta-agents-config-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'openpta.yaml');
  writeFileSync(file, 'agents:\n  certificateValidityMs: 7200000\n  renewAtFraction: 0.5\n  tokenTtlMs: 600000\n');
  const cloud = await startTestCloud({ plugins: [agentIdentityPlugin()], flags: { configFile: file } });
  t.after(() => cloud.close());
  assert.equal(
    (await cloud.admin('POST', '/admin/api/v1/tenants', { name: 'cfg', domains: ['cfg.test'] })).status,
    201,
  );
  const started = Date.now();
  const token = await cloud.admin('POST', '/admin/api/v1/tenants/cfg/agent-tokens', {});
  assert.equal(token.status, 201, token.text);
  const tokenTtl = Date.parse(token.json.expiresAt) - started;
  assert.ok(tokenTtl > 9 * 60_000 && tokenTtl <= 10 * 60_000 + 1000, `token ttl ${tokenTtl}`);

  const stateDir = join(dir, 'agent');
  await registerAgent({
    cloudUrl: cloud.cloud.adminUrl,
    token: token.json.token,
    stateDir,
    cloudCaPem: cloud.ca,
    name: 'cfg-agent',
    agentVersion: 'test',
  });
  const identity = loadAgentIdentity(stateDir);
  const validity = identity.certificateNotAfter - started;
  assert.ok(validity > 2 * HOUR - 60_000 && validity <= 2 * HOUR + 60_000, `validity ${validity}`);
  const renewIn = identity.renewAfter - started;
  assert.ok(renewIn > HOUR - 60_000 && renewIn <= HOUR + 60_000, `renew after ${renewIn}`);
});
