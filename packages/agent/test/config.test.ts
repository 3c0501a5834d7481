/** The agent configuration: defaults, YAML/JSON files, env overrides, and one error naming every wrong field. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  AGENT_ERROR_CODES,
  AgentError,
  DEFAULTS,
  loadAgentConfig,
  parseAgentConfig,
  resolveDirectoryConfig,
} from '../src/index.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-config-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const minimal = {
  directory: { dcs: [{ url: 'ldaps://dc1.corp.example.test' }], baseDn: 'DC=corp,DC=example,DC=test' },
};

test('a minimal config gets the documented defaults', () => {
  const c = parseAgentConfig(minimal, { env: {} });
  assert.equal(c.directory.tls.mode, 'ldaps');
  assert.equal(c.directory.timeouts.connectMs, DEFAULTS.connectTimeoutMs);
  assert.equal(c.directory.timeouts.operationMs, DEFAULTS.operationTimeoutMs);
  assert.equal(c.directory.timeouts.overallMs, DEFAULTS.overallTimeoutMs);
  assert.equal(c.directory.pool.userBindsPerDc, DEFAULTS.userPoolSize);
  assert.deepEqual(c.directory.login.attributes, ['userPrincipalName']);
  assert.equal(c.directory.attributes.groups, 'nested');
  assert.equal(c.log.level, 'info');
});

test('every wrong field is named in one error', () => {
  const bad = {
    directory: {
      dcs: [{ url: 'http://dc1' }, { url: 'ldap://dc2' }],
      baseDn: '',
      timeouts: { connectMs: 'soon', overallMs: -1 },
      tls: { pinSha256: ['xyz'] },
      login: { attributes: ['mail'] },
      typo: true,
    },
  };
  try {
    parseAgentConfig(bad, { env: {}, source: 'agent.yaml' });
    assert.fail('expected an error');
  } catch (error) {
    assert.ok(error instanceof AgentError);
    assert.equal(error.code, AGENT_ERROR_CODES.CONFIG_INVALID);
    for (const path of [
      'directory.dcs.0.url',
      'directory.baseDn',
      'directory.timeouts.connectMs',
      'directory.timeouts.overallMs',
      'directory.tls.pinSha256.0',
      'directory (top level)'.split(' ')[0]!,
    ]) {
      assert.ok(error.message.includes(path), `${path} missing from:\n${error.message}`);
    }
    assert.match(error.message, /typo/);
    assert.match(error.message, /agent\.yaml/);
  }
});

test('cross-field rules: scheme vs TLS mode, service account for alternate ids, SRV needs a domain', () => {
  const check = (directory: Record<string, unknown>, pattern: RegExp) =>
    assert.throws(() => parseAgentConfig({ directory: { ...minimal.directory, ...directory } }, { env: {} }), pattern);
  check({ dcs: [{ url: 'ldap://dc1' }] }, /dcs\.0\.url: tls\.mode ldaps needs a ldaps:\/\/ URL/);
  check({ login: { attributes: ['mail'] } }, /serviceAccount: required/);
  check({ dcs: [], discovery: { srv: true } }, /domain: required when discovery\.srv/);
  check({ dcs: [] }, /list at least one DC/);
});

test('YAML and JSON files load; env overrides win and are named in errors', async () => {
  const yaml = join(dir, 'agent.yaml');
  await writeFile(
    yaml,
    'directory:\n  dcs:\n    - url: ldaps://dc1.corp.example.test\n  baseDn: DC=corp,DC=example,DC=test\n',
  );
  const json = join(dir, 'agent.json');
  await writeFile(json, JSON.stringify(minimal));
  assert.equal(loadAgentConfig(json, { env: {} }).directory.baseDn, 'DC=corp,DC=example,DC=test');
  const c = loadAgentConfig(yaml, {
    env: {
      OPENPTA_AGENT_DC_URLS: 'ldaps://a.example.test, ldaps://b.example.test:3269',
      OPENPTA_AGENT_CONNECT_TIMEOUT_MS: '750',
      OPENPTA_AGENT_LOGIN_ATTRIBUTES: 'mail,userPrincipalName',
      OPENPTA_AGENT_SERVICE_BIND_DN: 'svc@corp.example.test',
    },
  });
  assert.deepEqual(
    c.directory.dcs.map((d) => d.url),
    ['ldaps://a.example.test', 'ldaps://b.example.test:3269'],
  );
  assert.equal(c.directory.timeouts.connectMs, 750);
  assert.deepEqual(c.directory.login.attributes, ['mail', 'userPrincipalName']);
  assert.throws(
    () => loadAgentConfig(yaml, { env: { OPENPTA_AGENT_CONNECT_TIMEOUT_MS: 'soon' } }),
    /directory\.timeouts\.connectMs: .*\(from OPENPTA_AGENT_CONNECT_TIMEOUT_MS\)/,
  );
});

test('unreadable or unparsable files give a clear error', async () => {
  assert.throws(() => loadAgentConfig(join(dir, 'missing.yaml'), { env: {} }), /cannot read agent configuration/);
  const broken = join(dir, 'broken.yaml');
  await writeFile(broken, 'directory: [unclosed\n');
  assert.throws(() => loadAgentConfig(broken, { env: {} }), /not valid YAML or JSON/);
});

test('the service account password comes from a file or an env var, never from the config file', async () => {
  const base = parseAgentConfig(
    { directory: { ...minimal.directory, serviceAccount: { bindDn: 'svc@corp.example.test' } } },
    { env: {} },
  ).directory;
  assert.equal(
    resolveDirectoryConfig(base, { OPENPTA_AGENT_SERVICE_PASSWORD: 'From-Env-1' }).serviceAccount!.password,
    'From-Env-1',
  );
  assert.throws(() => resolveDirectoryConfig(base, {}), /OPENPTA_AGENT_SERVICE_PASSWORD/);
  const file = join(dir, 'svc.pw');
  await writeFile(file, 'From-File-1\n');
  const withFile = { ...base, serviceAccount: { ...base.serviceAccount!, passwordFile: file } };
  assert.equal(resolveDirectoryConfig(withFile, {}).serviceAccount!.password, 'From-File-1');
  const missing = { ...base, serviceAccount: { ...base.serviceAccount!, passwordFile: join(dir, 'nope') } };
  assert.throws(
    () => resolveDirectoryConfig(missing, {}),
    (e: AgentError) => e.code === AGENT_ERROR_CODES.SECRET_UNREADABLE,
  );
  assert.throws(
    () =>
      parseAgentConfig(
        { directory: { ...minimal.directory, serviceAccount: { bindDn: 'x', password: 'inline' } } },
        { env: {} },
      ),
    /serviceAccount.*password/s,
  );
});

test('the schema can be extended for agent run', async () => {
  const { agentConfigSchema } = await import('../src/index.ts');
  const { z } = await import('zod');
  const extended = agentConfigSchema.extend({ cloud: z.strictObject({ url: z.url() }) });
  const c = parseAgentConfig(
    { ...minimal, cloud: { url: 'https://cloud.example.test' } },
    { env: {}, schema: extended },
  );
  assert.equal(c.cloud.url, 'https://cloud.example.test');
});
