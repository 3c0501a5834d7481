/**
 * `node scripts/testbed/cli.ts start|status|stop`: a DC that outlives the command, named by the printed
 * OPENPTA_TESTBED line, usable through adTestbed()'s description reader, and gone after stop.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { bindOnce } from '../bind-table.ts';
import { tlsOptionsFor } from '../dc.ts';
import { readDescription } from '../description.ts';
import { lockOwner } from '../loopback.ts';
import { isRunning } from '../samba-process.ts';
import { USERS } from '../users.ts';

const cli = join(import.meta.dirname, '..', 'cli.ts');

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OPENPTA_TESTBED')));
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env, timeout: 120_000 });
}

let startedIp: string | undefined;
after(() => {
  if (startedIp !== undefined) run('stop', startedIp);
});

test('start prints the description, status lists it, stop ends it and frees the address', async () => {
  const started = run('start');
  assert.equal(started.status, 0, started.stderr);
  const line = /^export OPENPTA_TESTBED=(.+)$/m.exec(started.stdout);
  assert.ok(line, started.stdout);
  const info = readDescription(line[1]!);
  startedIp = info.ip;
  assert.ok(isRunning(info.pid), 'the DC outlives the start command');
  assert.equal(lockOwner(info.ip), info.pid);

  const tlsOptions = tlsOptionsFor(readFileSync(info.caFile, 'utf8'));
  const bound = await bindOnce({ url: info.ldapsUrl, tlsOptions }, USERS.normal.upn, USERS.normal.password);
  assert.deepEqual(bound, { result: 'success' });

  const status = run('status');
  assert.match(status.stdout, new RegExp(`${info.ip.replaceAll('.', '\\.')}\\trunning\\tpid ${info.pid}`));

  const stopped = run('stop', info.ip);
  assert.equal(stopped.status, 0, stopped.stderr);
  assert.match(stopped.stdout, new RegExp(`stopped ${info.ip.replaceAll('.', '\\.')}`));
  assert.equal(isRunning(info.pid), false);
  assert.equal(lockOwner(info.ip), undefined);
  startedIp = undefined;
});

test('an unknown command prints the usage and exits 2', () => {
  const result = run('frobnicate');
  assert.equal(result.status, 2);
  assert.match(result.stderr, /usage: node scripts\/testbed\/cli\.ts start/);
});
