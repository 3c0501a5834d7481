/**
 * The sign-in logger redacts every password field of the sign-in forms (second line of defence: sign-in never passes
 * a password to a log call; sign-in-no-plaintext.test.ts proves that end to end).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../src/observability/logger.ts';
import { signInLogger } from '../src/sign-in/index.ts';

test('password fields are redacted at the top level and nested; other fields are kept', () => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const log = signInLogger(createLogger('info', destination));
  log.info(
    {
      username: 'alice@corp.example.test',
      password: 'P1',
      currentPassword: 'P2',
      newPassword: 'P3',
      confirmPassword: 'P4',
      form: { password: 'P5', confirmPassword: 'P6' },
      req: { body: { currentPassword: 'P7' } },
    },
    'probe',
  );
  assert.equal(lines.length, 1);
  const text = JSON.stringify(lines[0]);
  for (const secret of ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7']) {
    assert.ok(!text.includes(`"${secret}"`), `${secret} redacted in ${text}`);
  }
  assert.equal(lines[0]?.username, 'alice@corp.example.test');
  assert.equal(lines[0]?.component, 'sign-in');
  assert.equal(lines[0]?.password, '[redacted]');
});
