import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadCloudConfig } from '../src/config/index.ts';

function issuesOf(fn: () => unknown): ConfigError['issues'] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues;
  }
  assert.fail('expected a ConfigError');
}

test('defaults: loopback, port 8443, derived public URL, SQLite in the data dir', () => {
  const config = loadCloudConfig({ env: {}, cwd: '/srv/app' });
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 8443);
  assert.equal(config.dataDir, '/srv/app/.data/cloud');
  assert.equal(config.publicUrl, 'https://localhost:8443');
  assert.equal(config.databaseUrl, 'sqlite:/srv/app/.data/cloud/openpta.db');
  assert.equal(config.dataKeyFile, '/srv/app/.data/cloud/data.key');
  assert.deepEqual(config.tls, { certFile: undefined, keyFile: undefined, caFile: undefined });
  assert.equal(config.logLevel, 'info');
});

test('precedence: flags > env > config file > defaults', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openpta-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'openpta.yaml');
  writeFileSync(
    file,
    'port: 9000\nhost: 0.0.0.0\nlogLevel: debug\npublicUrl: https://file.example.com/\ntls:\n  certFile: c.pem\n  keyFile: k.pem\n',
  );
  const env = { OPENPTA_CONFIG: file, OPENPTA_PORT: '9100', OPENPTA_LOG_LEVEL: 'warn' };
  const config = loadCloudConfig({ env, flags: { port: '9200' }, cwd: dir });
  assert.equal(config.port, 9200, 'flag beats env and file');
  assert.equal(config.logLevel, 'warn', 'env beats file');
  assert.equal(config.host, '0.0.0.0', 'file beats default');
  assert.equal(config.publicUrl, 'https://file.example.com', 'trailing slash removed');
  assert.equal(config.tls.certFile, join(dir, 'c.pem'), 'relative paths resolve against cwd');
  assert.equal(config.tls.keyFile, join(dir, 'k.pem'));
});

test('invalid settings: every issue names the field, the problem and where to set it', () => {
  const issues = issuesOf(() =>
    loadCloudConfig({
      env: { OPENPTA_PORT: '70000', OPENPTA_PUBLIC_URL: 'http://login.example.com', OPENPTA_LOG_LEVEL: 'loud' },
      flags: { databaseUrl: 'mysql://db' },
    }),
  );
  const byField = Object.fromEntries(issues.map((i) => [i.field, i.message]));
  assert.match(byField.port!, /0-65535.*--port.*OPENPTA_PORT/);
  assert.match(byField.publicUrl!, /https:\/\/.*--public-url.*OPENPTA_PUBLIC_URL/);
  assert.match(byField.logLevel!, /one of fatal, error.*--log-level/);
  assert.match(byField.databaseUrl!, /sqlite:.*postgres:\/\/.*--database-url/);
});

test('publicUrl with a path prefix is refused with what to do instead (issuers and routes live at the root)', () => {
  const issues = issuesOf(() => loadCloudConfig({ env: { OPENPTA_PUBLIC_URL: 'https://example.test/idp' } }));
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.field, 'publicUrl');
  assert.match(issues[0]!.message, /without a path.*\/idp is not supported.*own host name.*OPENPTA_PUBLIC_URL/);
  const root = loadCloudConfig({ env: { OPENPTA_PUBLIC_URL: 'https://example.test/' } });
  assert.equal(root.publicUrl, 'https://example.test');
});

test('TLS: a certificate without its key (or the reverse) is refused', () => {
  const issues = issuesOf(() => loadCloudConfig({ env: { OPENPTA_TLS_CERT_FILE: '/etc/openpta/cert.pem' } }));
  assert.equal(issues[0]?.field, 'tls.keyFile');
  assert.match(issues[0]!.message, /both.*or neither.*--tls-key.*OPENPTA_TLS_KEY_FILE/);
});

test('config file problems: missing, not a mapping, unknown keys', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openpta-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.match(
    issuesOf(() => loadCloudConfig({ flags: { configFile: join(dir, 'nope.yaml') }, env: {} }))[0]!.message,
    /file not found/,
  );
  writeFileSync(join(dir, 'list.yaml'), '- a\n- b\n');
  assert.match(
    issuesOf(() => loadCloudConfig({ flags: { configFile: join(dir, 'list.yaml') }, env: {} }))[0]!.message,
    /mapping/,
  );
  writeFileSync(join(dir, 'typo.json'), JSON.stringify({ prot: 8443 }));
  const typo = issuesOf(() => loadCloudConfig({ flags: { configFile: join(dir, 'typo.json') }, env: {} }));
  assert.deepEqual(typo[0]?.field, 'prot', 'an unknown key is reported, not ignored');
  assert.match(typo[0]!.message, /unknown setting/);
  writeFileSync(join(dir, 'broken.yaml'), 'port: [1,\n');
  assert.match(
    issuesOf(() => loadCloudConfig({ flags: { configFile: join(dir, 'broken.yaml') }, env: {} }))[0]!.message,
    /not valid YAML/,
  );
});
