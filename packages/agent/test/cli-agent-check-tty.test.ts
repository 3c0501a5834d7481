/**
 * `openpta agent check` on a terminal: the password prompt does not echo what is typed, and a human line follows the
 * JSON. The terminal is a real pseudo-terminal made by util-linux `script`. No DC is needed: the only DC refuses
 * connections, so the outcome is directory_unavailable (exit code 3).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { refusedPort } from './support/fault-proxy.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'cli', 'src', 'main.ts');

test('the password prompt on a TTY does not echo; JSON then a human line; exit 3', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'agent-tty-'));
  try {
    const config = join(dir, 'agent.yaml');
    await writeFile(
      config,
      `directory:\n  dcs: [{ url: 'ldaps://127.0.0.1:${await refusedPort()}' }]\n  baseDn: DC=corp,DC=example,DC=test\nlog: { level: silent }\n`,
    );
    const command = `'${process.execPath}' '${MAIN}' agent check --config '${config}' --username alice@corp.example.test`;
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      // Type only once the prompt is up (raw mode on), as a person would.
      if (!sent && out.includes('Password: ')) {
        sent = true;
        child.stdin.write('Tty-Canary-Pass-9\r');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.ok(sent, `no prompt:\n${out}`);
    assert.ok(!out.includes('Tty-Canary-Pass-9'), `the password was echoed:\n${out}`);
    const json = out.split(/\r?\n/).find((l) => l.startsWith('{'));
    assert.equal(JSON.parse(json!).outcome, 'directory_unavailable');
    assert.match(out, /FAILED: alice@corp\.example\.test: directory_unavailable/);
    assert.equal(code, 3);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
