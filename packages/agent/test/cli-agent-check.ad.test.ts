/**
 * `openpta agent check` end to end: a real process, a real config file, the password on stdin, JSON on stdout, the
 * documented exit codes, and config errors naming the wrong fields.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { type AdTestbed, adTestbed } from '../../../scripts/testbed/index.ts';
import { adConfig } from './support/ad.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'cli', 'src', 'main.ts');
let ad: AdTestbed;
let dir: string;
let configFile: string;

before(async () => {
  ad = await adTestbed();
  dir = await mkdtemp(join(tmpdir(), 'agent-cli-'));
  configFile = join(dir, 'agent.yaml');
  const directory = adConfig(ad, { login: { downLevelDomains: [ad.netbios] } });
  await writeFile(configFile, stringify({ directory, log: { level: 'info' } }));
});
after(() => rm(dir, { recursive: true, force: true }));

function check(args: string[], stdin: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'agent', 'check', ...args], {
      env: { ...process.env, TEST_SERVICE_PASSWORD: ad.users.service.password, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

test('ok: JSON with outcome, dc, elapsed_ms and attributes; exit 0; the password is not in any output', async () => {
  const u = ad.users.grouped;
  const r = await check(['--config', configFile, '--username', u.upn], `${u.password}\n`);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.outcome, 'ok');
  assert.match(out.dc, /^ldaps:\/\//);
  assert.equal(typeof out.elapsed_ms, 'number');
  assert.equal(out.attributes.upn, u.upn);
  assert.ok(out.attributes.groups.includes('All Staff'));
  assert.ok(!r.stdout.includes(u.password) && !r.stderr.includes(u.password));
  assert.ok(!r.stderr.includes(ad.users.service.password));
  assert.match(r.stderr, /"outcome":"ok"/, 'the agent log line goes to stderr');
});

test('credential answers exit 1; bad input exits 2; directory failure exits 3', async () => {
  const wrong = await check(['--config', configFile, '--username', ad.users.normal.upn], ad.wrongPassword);
  assert.equal(JSON.parse(wrong.stdout).outcome, 'invalid_credentials');
  assert.equal(wrong.code, 1);
  const disabled = await check(
    ['--config', configFile, '--username', ad.users.disabled.upn],
    ad.users.disabled.password,
  );
  assert.equal(JSON.parse(disabled.stdout).outcome, 'account_disabled');
  assert.equal(disabled.code, 1);
  const down = `${ad.netbios}\\${ad.users.normal.sam}`;
  const ok = await check(['--config', configFile, '--username', down], ad.users.normal.password);
  assert.equal(JSON.parse(ok.stdout).outcome, 'ok');
  const empty = await check(['--config', configFile, '--username', ad.users.normal.upn], '\n');
  assert.deepEqual(JSON.parse(empty.stdout), {
    outcome: 'bad_request',
    dc: null,
    elapsed_ms: JSON.parse(empty.stdout).elapsed_ms,
  });
  assert.equal(empty.code, 2);
  const unreachable = await check(['--config', configFile, '--username', ad.users.normal.upn], 'x-pass-1', {
    OPENPTA_AGENT_DC_URLS: 'ldaps://127.0.0.1:1',
  });
  assert.equal(JSON.parse(unreachable.stdout).outcome, 'directory_unavailable');
  assert.equal(unreachable.code, 3);
});

test('an invalid config exits 2 and names every wrong field', async () => {
  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, stringify({ directory: { dcs: [{ url: 'http://x' }], timeouts: { connectMs: 'soon' } } }));
  const r = await check(['--config', bad, '--username', 'a@b.c'], 'x');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /directory\.dcs\.0\.url/);
  assert.match(r.stderr, /directory\.timeouts\.connectMs/);
  assert.match(r.stderr, /directory\.baseDn/);
  assert.equal(r.stdout, '');
});
