/**
 * The exit-time clean-up of a test bed instance: a process group that keeps writing into its directory after SIGTERM
 * (as samba's workers do) is waited for before the directory is removed, and neither step throws. The last test runs
 * the clean-up in a real process 'exit' handler and checks the exit code stays 0.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { liveGroupMembers, removeDirQuietly, stopGroupSync } from '../group-cleanup.ts';

/** A detached shell group that writes files into `dir` all the time and, on SIGTERM, keeps writing for a while. */
function stubbornWriter(dir: string): number {
  const script = `
    trap 'for i in 1 2 3 4 5 6 7 8; do mkdir -p "$D/late$i" && touch "$D/late$i/f"; sleep 0.05; done; exit 0' TERM
    while :; do mkdir -p "$D/busy" && touch "$D/busy/f$$RANDOM"; sleep 0.01; done`;
  const child = spawn('sh', ['-c', script], { env: { ...process.env, D: dir }, detached: true, stdio: 'ignore' });
  child.unref();
  assert.ok(child.pid);
  return child.pid;
}

function waitForFile(path: string): void {
  const wait = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 400 && !existsSync(path); i++) Atomics.wait(wait, 0, 0, 10);
  assert.ok(existsSync(path), `${path} never appeared`);
}

test('stopGroupSync waits until every member of the group has exited; the directory then goes away', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openpta-cleanup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pgid = stubbornWriter(dir);
  waitForFile(join(dir, 'busy'));
  assert.ok(liveGroupMembers(pgid).includes(pgid), 'the writer runs in its own group');

  assert.equal(stopGroupSync(pgid), true);
  assert.deepEqual(liveGroupMembers(pgid), [], 'no member of the group is left');
  assert.ok(
    existsSync(join(dir, 'late8')),
    'the writer finished its after-SIGTERM writes before stopGroupSync returned',
  );
  assert.equal(removeDirQuietly(dir), true);
  assert.equal(existsSync(dir), false);
});

test('a group that ignores SIGTERM is killed after the grace period', (t) => {
  const child = spawn('sh', ['-c', "trap '' TERM; while :; do sleep 0.05; done"], { detached: true, stdio: 'ignore' });
  child.unref();
  t.after(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {}
  });
  const wait = new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(wait, 0, 0, 100); // let the shell install its trap
  assert.equal(stopGroupSync(child.pid!, 200), true);
  assert.deepEqual(liveGroupMembers(child.pid!), []);
});

test('removeDirQuietly reports instead of throwing when the directory cannot be removed', () => {
  // Entries under /proc cannot be removed, not even by root: a portable stand-in for a directory rm cannot delete.
  const warnings: string[] = [];
  assert.equal(
    removeDirQuietly('/proc/self/fdinfo', (m) => warnings.push(m)),
    false,
  );
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /could not remove \/proc\/self\/fdinfo \(.*EPERM.*\); the next run replaces it/);
});

test('the clean-up inside a process exit handler keeps the exit code 0 while the group is still writing', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openpta-cleanup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const module = fileURLToPath(new URL('../group-cleanup.ts', import.meta.url));
  const program = `
    import { spawn } from 'node:child_process';
    import { removeDirQuietly, stopGroupSync } from ${JSON.stringify(module)};
    const dir = process.argv[1];
    const child = spawn('sh', ['-c', "trap 'for i in 1 2 3 4 5; do mkdir -p \\"$D/late$i\\"; sleep 0.05; done; exit 0' TERM; while :; do mkdir -p \\"$D/busy$RANDOM\\"; sleep 0.01; done"],
      { env: { ...process.env, D: dir + '/inst' }, detached: true, stdio: 'ignore' });
    child.unref();
    process.once('exit', () => { stopGroupSync(child.pid); removeDirQuietly(dir + '/inst'); });
    setTimeout(() => {}, 200);`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', program, dir], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.equal(existsSync(join(dir, 'inst')), false, 'the instance directory is gone');
});
