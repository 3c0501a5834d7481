/** Input checks: everything refused here becomes bad_request before any network call. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agentConfigSchema, checkInput, MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH } from '../src/index.ts';

const base = { dcs: [{ url: 'ldaps://dc1.corp.example.test' }], baseDn: 'DC=corp,DC=example,DC=test' };
const login = (l: Record<string, unknown> = {}) =>
  agentConfigSchema.parse({ directory: { ...base, login: l, serviceAccount: { bindDn: 'svc' } } }).directory.login;

describe('refused input', () => {
  const upn = login();
  const cases: [string, unknown, unknown][] = [
    ['empty password', 'alice@corp.example.test', ''],
    ['password not a string', 'alice@corp.example.test', undefined],
    ['NUL in password', 'alice@corp.example.test', 'pass\u0000word'],
    ['newline in password', 'alice@corp.example.test', 'pass\nword'],
    ['C1 control in password', 'alice@corp.example.test', 'pass\u0085word'],
    ['oversized password', 'alice@corp.example.test', 'p'.repeat(MAX_PASSWORD_LENGTH + 1)],
    ['lone surrogate in password', 'alice@corp.example.test', 'pass\ud800'],
    ['empty username', '', 'Secret-1'],
    ['blank username', '   ', 'Secret-1'],
    ['NUL in username', 'alice\u0000@corp.example.test', 'Secret-1'],
    ['tab in username', 'alice\t@corp.example.test', 'Secret-1'],
    ['DEL in username', 'alice\u007f@corp.example.test', 'Secret-1'],
    ['oversized username', `${'a'.repeat(MAX_USERNAME_LENGTH)}@x`, 'Secret-1'],
    ['not a UPN', 'alice', 'Secret-1'],
    ['UPN without local part', '@corp.example.test', 'Secret-1'],
    ['UPN without domain', 'alice@', 'Secret-1'],
    ['DOMAIN\\user not enabled', 'CORP\\alice', 'Secret-1'],
    ['space inside username', 'alice smith@corp.example.test', 'Secret-1'],
    ['username not a string', 42, 'Secret-1'],
  ];
  for (const [name, username, password] of cases) {
    test(name, () => {
      const r = checkInput(username, password, upn);
      assert.equal(r.ok, false);
      if (!r.ok) assert.ok(r.reason.length > 0);
    });
  }
  test('the reason never contains the password', () => {
    const r = checkInput('alice@corp.example.test', 'Secret\u0000Canary', upn);
    assert.ok(!r.ok && !r.reason.includes('Canary'));
  });
});

describe('accepted forms', () => {
  test('a UPN binds directly and is looked up by userPrincipalName', () => {
    const r = checkInput(' alice@corp.example.test ', 'pässwörd with spaces', login());
    assert.deepEqual(r, {
      ok: true,
      username: 'alice@corp.example.test',
      target: {
        kind: 'direct',
        bindName: 'alice@corp.example.test',
        lookup: { attribute: 'userPrincipalName', value: 'alice@corp.example.test' },
      },
    });
  });
  test('longest allowed values pass', () => {
    const name = `${'a'.repeat(MAX_USERNAME_LENGTH - 2)}@x`;
    assert.equal(checkInput(name, 'p'.repeat(MAX_PASSWORD_LENGTH), login()).ok, true);
  });
  test('the username is NFC-normalised; the password is not touched', () => {
    const nfd = 'ju\u0308rgen@corp.example.test';
    const r = checkInput(nfd, 'Pa\u0308ss-1', login());
    assert.ok(r.ok);
    assert.equal(r.username, 'j\u00fcrgen@corp.example.test');
  });
  test('UPN suffix allow-list', () => {
    const l = login({ upnSuffixes: ['corp.example.test'] });
    assert.equal(checkInput('a@CORP.example.test', 'x1', l).ok, true);
    assert.equal(checkInput('a@other.test', 'x1', l).ok, false);
  });
  test('DOMAIN\\user when configured (case-insensitive domain)', () => {
    const r = checkInput('corp\\alice', 'x1', login({ downLevelDomains: ['CORP'] }));
    assert.ok(r.ok);
    assert.deepEqual(r.target, {
      kind: 'direct',
      bindName: 'corp\\alice',
      lookup: { attribute: 'sAMAccountName', value: 'alice' },
    });
    assert.equal(checkInput('OTHER\\alice', 'x1', login({ downLevelDomains: ['CORP'] })).ok, false);
    assert.equal(checkInput('CORP\\a\\b', 'x1', login({ downLevelDomains: ['CORP'] })).ok, false);
  });
  test('alternate login attributes search instead of binding directly', () => {
    const r = checkInput('*)(mail=*', 'x1', login({ attributes: ['mail', 'userPrincipalName'] }));
    assert.ok(r.ok);
    assert.deepEqual(r.target, {
      kind: 'search',
      matches: [
        { attribute: 'mail', value: '*)(mail=*' },
        { attribute: 'userPrincipalName', value: '*)(mail=*' },
      ],
    });
  });
});
