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

async function serveOnce(dataDir: string, signal: NodeJS.Signals) {
  const child = spawnCli(['serve', '--data-dir', dataDir, '--port', '0', '--log-level', 'info'], {
    OPENPTA_CONFIG: undefined,
    OPENPTA_PORT: undefined,
  });
  const done = collect(child);
  const stderr = await waitForStderr(child, /listening on (https:\/\/127\.0\.0\.1:\d+)[\s\S]*CA file: (\S+)/);
  const [, url, caFile] = /listening on (https:\/\/127\.0\.0\.1:\d+)[\s\S]*CA file: (\S+)/.exec(stderr)!;
  const status = await getStatus(`${url}/healthz`, readFileSync(caFile!, 'utf8'));
  child.kill(signal);
  const result = await done;
  return { stderr: result.stderr, stdout: result.stdout, code: result.code, status, caFile: caFile! };
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
