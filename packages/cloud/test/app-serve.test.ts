import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { handleShutdownSignals } from '../src/start.ts';
import { collect, runCli, spawnCli, waitForStderr } from './helpers/cli-process.ts';

function getStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function serveOnce(
  dataDir: string,
  signal: NodeJS.Signals,
  extra: { args?: string[]; env?: Record<string, string> } = {},
) {
  const child = spawnCli(
    ['serve', '--data-dir', dataDir, '--port', '0', '--log-level', 'info', ...(extra.args ?? [])],
    {
      OPENPTA_CONFIG: undefined,
      OPENPTA_PORT: undefined,
      OPENPTA_MEMORY_PROFILE: undefined,
      OPENPTA_MEMORY_PROFILE_APPLIED: undefined,
      MALLOC_MMAP_THRESHOLD_: undefined,
      ...extra.env,
    },
  );
  const done = collect(child);
  const stderr = await waitForStderr(child, /listening on (https:\/\/127\.0\.0\.1:\d+)[\s\S]*CA file: (\S+)/);
  const [, url, caFile] = /listening on (https:\/\/127\.0\.0\.1:\d+)[\s\S]*CA file: (\S+)/.exec(stderr)!;
  const status = await getStatus(`${url}/healthz`, readFileSync(caFile!, 'utf8'));
  // What the serving process runs with (it may have re-executed itself: the same pid).
  const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0');
  const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
  child.kill(signal);
  const result = await done;
  return { stderr: result.stderr, stdout: result.stdout, code: result.code, status, caFile: caFile!, environ, cmdline };
}

test('openpta serve: starts over HTTPS with a dev CA, answers, stops on SIGTERM/SIGINT with exit 0; the CA is reused', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'openpta-serve-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));

  const first = await serveOnce(dataDir, 'SIGTERM');
  assert.equal(first.status, 200);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /WARNING: DEVELOPMENT CERTIFICATE/);
  assert.match(first.stderr, /created just now/);
  assert.equal(first.caFile, join(dataDir, 'tls', 'dev-ca.pem'));
  const token = JSON.parse(readFileSync(join(dataDir, 'admin.json'), 'utf8')).token as string;
  assert.ok(first.stderr.includes(token), 'the admin token is printed at first start');
  assert.ok(!first.stdout.includes(token), 'and never reaches the JSON logs');
  const logs = first.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { msg: string });
  assert.ok(
    logs.some((l) => l.msg === 'shutdown complete'),
    'logs are JSON lines and report the shutdown',
  );
  const ca = readFileSync(first.caFile, 'utf8');

  const second = await serveOnce(dataDir, 'SIGINT');
  assert.equal(second.status, 200);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /WARNING: DEVELOPMENT CERTIFICATE/, 'still loud on every start');
  assert.doesNotMatch(second.stderr, /created just now/);
  assert.doesNotMatch(second.stderr, /Admin API token/, 'the token is printed only once');
  assert.equal(readFileSync(second.caFile, 'utf8'), ca, 'the same CA');
});

test('openpta serve: runs with the agents memory profile by default (re-executed, same pid); an operator value wins; --memory-profile node keeps Node defaults', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'openpta-serve-mem-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const memoryLog = (stdout: string) =>
    stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; memory?: { profile: string; malloc: Record<string, string> } })
      .find((l) => l.memory)?.memory;

  const byDefault = await serveOnce(dataDir, 'SIGTERM');
  assert.equal(byDefault.code, 0, byDefault.stderr);
  assert.ok(byDefault.environ.includes('MALLOC_MMAP_THRESHOLD_=32768'), 'glibc tunables in the serving process');
  assert.ok(byDefault.environ.includes('OPENPTA_MEMORY_PROFILE_APPLIED=agents'));
  assert.ok(byDefault.cmdline.includes('--max-semi-space-size=8'), byDefault.cmdline.join(' '));
  assert.equal(memoryLog(byDefault.stdout)?.profile, 'agents', 'the settings in force are logged at start');

  const operator = await serveOnce(dataDir, 'SIGTERM', { env: { MALLOC_MMAP_THRESHOLD_: '65536' } });
  assert.equal(operator.code, 0, operator.stderr);
  assert.ok(operator.environ.includes('MALLOC_MMAP_THRESHOLD_=65536'), 'the operator value is kept');
  assert.ok(operator.environ.includes('MALLOC_TOP_PAD_=0'), 'the others are added');
  assert.equal(memoryLog(operator.stdout)?.malloc.MALLOC_MMAP_THRESHOLD_, '65536');

  const plain = await serveOnce(dataDir, 'SIGTERM', { args: ['--memory-profile', 'node'] });
  assert.equal(plain.code, 0, plain.stderr);
  assert.ok(!plain.environ.some((e) => e.startsWith('MALLOC_')), 'no tunables');
  assert.ok(!plain.cmdline.includes('--max-semi-space-size=8'));
  assert.equal(memoryLog(plain.stdout)?.profile, 'node');

  const bad = await runCli(['serve', '--memory-profile', 'huge'], { OPENPTA_CONFIG: undefined });
  assert.equal(bad.code, 1);
  assert.match(
    bad.stderr,
    /memory profile must be one of agents, node \(set --memory-profile or OPENPTA_MEMORY_PROFILE\); got 'huge'/,
  );
});

test('openpta serve: invalid settings exit 1 naming the field and how to fix it', async () => {
  const result = await runCli(['serve', '--port', '99999', '--public-url', 'http://x'], { OPENPTA_CONFIG: undefined });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /port: must be 0-65535 \(set --port or OPENPTA_PORT/);
  assert.match(result.stderr, /publicUrl: must be an absolute https:\/\/ URL/);
});

test('shutdown signals: the first closes gracefully and exits 0, a second one forces exit 130', async () => {
  const exits: number[] = [];
  let finish!: () => void;
  const closed = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const logs: string[] = [];
  const logger = {
    info: (...a: unknown[]) => logs.push(String(a.at(-1))),
    warn: (...a: unknown[]) => logs.push(String(a.at(-1))),
    error: () => {},
  };
  const remove = handleShutdownSignals({ close: () => closed, logger: logger as never }, ((code: number) => {
    exits.push(code);
  }) as never);
  try {
    process.emit('SIGTERM', 'SIGTERM');
    assert.deepEqual(exits, [], 'waits for close');
    process.emit('SIGINT', 'SIGINT');
    assert.deepEqual(exits, [130], 'second signal forces');
    finish();
    await closed;
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(exits, [130, 0]);
  } finally {
    remove();
  }
});
