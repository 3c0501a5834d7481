/**
 * Where the test bed cannot run, adTestbed() rejects with a typed error whose message says exactly how to get a
 * working one; nothing is skipped. Each case runs in a child process because adTestbed() caches per process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';

const index = pathToFileURL(join(import.meta.dirname, '..', 'index.ts')).href;
const probe = `import(${JSON.stringify(index)}).then((m) => m.adTestbed()).then(
  () => console.log(JSON.stringify({ ok: true })),
  (e) => console.log(JSON.stringify({ ok: false, code: e.code, message: e.message })),
)`;
const scratch = mkdtempSync(join(tmpdir(), 'openpta-testbed-unavailable-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function run(env: Record<string, string>, asUser?: number): { ok: boolean; code?: string; message?: string } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OPENPTA_TESTBED')));
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    env: { ...clean, OPENPTA_TESTBED_ROOT: scratch, ...env },
    encoding: 'utf8',
    timeout: 60_000,
    ...(asUser === undefined ? {} : { uid: asUser, gid: asUser, cwd: tmpdir() }),
  });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!);
}

test('without root the error names the install script and how to run the tests', () => {
  // As root, drop to nobody (65534) for the probe; without root the probe already lacks it.
  const outcome = run({}, process.getuid?.() === 0 ? 65534 : undefined);
  assert.equal(outcome.ok, false);
  assert.equal(outcome.code, 'TESTBED_UNAVAILABLE');
  assert.match(outcome.message!, /not running as root/);
  assert.match(outcome.message!, /sudo bash scripts\/install-system-deps\.sh/);
});

test('a start failure reported by the test runner fails every AD test with that reason', () => {
  const outcome = run({ OPENPTA_TESTBED_ERROR: 'samba exploded' });
  assert.deepEqual(outcome, { ok: false, code: 'TESTBED_UNAVAILABLE', message: 'samba exploded' });
});

test('a missing description file is a clear error, not a crash', () => {
  const outcome = run({ OPENPTA_TESTBED: join(scratch, 'missing.json') });
  assert.equal(outcome.code, 'TESTBED_BAD_DESCRIPTION');
  assert.match(outcome.message!, /missing\.json/);
});
