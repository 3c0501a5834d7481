/** Users-file and option errors are clear: they name the file, the field and what is wrong. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadUsersFile, parseUsers, startTrialDirectory, TrialDirectoryError } from '../src/index.ts';
import { captureLogs } from './helpers.ts';

const temp = mkdtempSync(join(tmpdir(), 'trial-directory-config-'));
after(() => rmSync(temp, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(temp, name);
  writeFileSync(path, content);
  return path;
}

function expectError(fn: () => unknown, code: string, ...patterns: RegExp[]): void {
  assert.throws(fn, (error: Error) => {
    assert.ok(error instanceof TrialDirectoryError, String(error));
    assert.equal(error.code, code);
    for (const p of patterns) assert.match(error.message, p);
    return true;
  });
}

const alice = { sAMAccountName: 'alice', displayName: 'Alice Anders', password: 'Alice-Pass-1' };

describe('users file', () => {
  it('loads YAML and JSON, applying defaults (UPN, state, groups)', () => {
    const yaml = loadUsersFile(
      file('ok.yaml', 'users:\n  - sAMAccountName: alice\n    displayName: Alice Anders\n    password: Alice-Pass-1\n'),
    );
    assert.equal(yaml.users[0]?.state, 'normal');
    assert.deepEqual(yaml.users[0]?.groups, []);
    const json = loadUsersFile(file('ok.json', JSON.stringify({ users: [{ ...alice, state: 'enabled' }] })));
    assert.equal(json.users[0]?.state, 'normal', "'enabled' is the test bed's name for normal");
  });

  it('a missing file names the path', () => {
    expectError(() => loadUsersFile(join(temp, 'absent.yaml')), 'ERR_CONFIG_FILE', /absent\.yaml/, /no such file/);
  });

  it('a syntax error names the file and the format', () => {
    expectError(
      () => loadUsersFile(file('bad.yaml', 'users: [\n  - a: b\n')),
      'ERR_CONFIG_FILE',
      /bad\.yaml/,
      /not valid YAML/,
    );
    expectError(
      () => loadUsersFile(file('bad.json', '{"users": [}')),
      'ERR_CONFIG_FILE',
      /bad\.json/,
      /not valid JSON/,
    );
  });

  it('each invalid field is listed with its path', () => {
    expectError(
      () =>
        loadUsersFile(
          file(
            'fields.yaml',
            [
              'users:',
              '  - sAMAccountName: "bad name"',
              '    displayName: Bad',
              '    password: ""',
              '    state: sleeping',
              '    objectGUID: not-a-guid',
              '    mail: nope',
              '    color: blue',
            ].join('\n'),
          ),
        ),
      'ERR_CONFIG_INVALID',
      /fields\.yaml/,
      /users\[0\]\.sAMAccountName: must not contain spaces/,
      /users\[0\]\.password/,
      /users\[0\]\.state/,
      /users\[0\]\.objectGUID: must be a GUID/,
      /users\[0\]\.mail: must look like name@domain\.tld/,
      /color/,
    );
  });

  it('duplicates and an empty user list are refused', () => {
    expectError(
      () => parseUsers({ users: [alice, { ...alice, displayName: 'Other' }] }),
      'ERR_CONFIG_INVALID',
      /users\[1\]\.sAMAccountName: duplicate sAMAccountName/,
    );
    expectError(
      () => parseUsers({ users: [alice, { ...alice, sAMAccountName: 'alice2' }] }),
      'ERR_CONFIG_INVALID',
      /duplicate CN/,
    );
    expectError(() => parseUsers({ users: [] }), 'ERR_CONFIG_INVALID', /at least one user/);
    expectError(() => parseUsers(undefined), 'ERR_CONFIG_INVALID', /users/);
  });
});

describe('startTrialDirectory options', () => {
  const logger = captureLogs().logger;

  it('needs exactly one of users and usersFile', async () => {
    await assert.rejects(startTrialDirectory({ logger }), /exactly one of `users` and `usersFile`/);
    await assert.rejects(
      startTrialDirectory({ users: { users: [alice] }, usersFile: 'x.yaml', logger }),
      /exactly one/,
    );
  });

  it('invalid options are listed', async () => {
    await assert.rejects(
      startTrialDirectory({ users: { users: [alice] }, port: 70_000, baseDn: 'O=corp', logger }),
      (error: Error) => {
        assert.ok(error instanceof TrialDirectoryError);
        assert.equal(error.code, 'ERR_CONFIG_INVALID');
        assert.match(error.message, /port/);
        assert.match(error.message, /baseDn: must be DC= components only/);
        return true;
      },
    );
  });

  it('a port in use is a clear ERR_LISTEN', async () => {
    await using first = await startTrialDirectory({ users: { users: [alice] }, logger });
    await assert.rejects(
      startTrialDirectory({ users: { users: [alice] }, port: first.port, logger }),
      (error: Error) => {
        assert.ok(error instanceof TrialDirectoryError);
        assert.equal(error.code, 'ERR_LISTEN');
        assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${first.port}`));
        return true;
      },
    );
  });
});
