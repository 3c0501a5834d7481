/** The one AD-answer -> outcome mapping. Transport and server failures are never invalid_credentials. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidCredentialsError } from 'ldapts';
import {
  AGENT_ERROR_CODES,
  AgentError,
  adSubCode,
  DirectoryTransportError,
  outcomeFromBindError,
  outcomeFromPasswordChangeError,
} from '../src/index.ts';

const ad = (data: string) =>
  new InvalidCredentialsError(
    `80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data ${data}, v1db1`,
  );

test('every AD bind sub-code', () => {
  const table: [string, string][] = [
    ['52e', 'invalid_credentials'],
    ['525', 'invalid_credentials'],
    ['530', 'logon_hours'],
    ['531', 'workstation_restricted'],
    ['532', 'password_expired'],
    ['533', 'account_disabled'],
    ['534', 'account_disabled'],
    ['701', 'account_expired'],
    ['773', 'password_must_change'],
    ['775', 'account_locked'],
    ['52E', 'invalid_credentials'],
  ];
  for (const [data, outcome] of table) assert.equal(outcomeFromBindError(ad(data)), outcome, data);
});

test('an unknown AD sub-code is a directory_error, not a wrong password', () => {
  assert.equal(outcomeFromBindError(ad('999')), 'directory_error');
});

test('result 49 from a non-AD server (no sub-code) is invalid_credentials', () => {
  assert.equal(outcomeFromBindError(new InvalidCredentialsError('Invalid credentials')), 'invalid_credentials');
});

test('transport failures map to directory_* outcomes', () => {
  const t = (code: (typeof AGENT_ERROR_CODES)[keyof typeof AGENT_ERROR_CODES]) =>
    outcomeFromBindError(new DirectoryTransportError(code, 'ldaps://dc', 'x', false));
  assert.equal(t(AGENT_ERROR_CODES.DC_UNREACHABLE), 'directory_unavailable');
  assert.equal(t(AGENT_ERROR_CODES.DC_TLS), 'directory_tls_error');
  assert.equal(t(AGENT_ERROR_CODES.DC_TIMEOUT), 'directory_timeout');
  assert.equal(t(AGENT_ERROR_CODES.DC_PROTOCOL), 'directory_error');
  assert.equal(outcomeFromBindError(new AgentError(AGENT_ERROR_CODES.SERVICE_ACCOUNT, 'x')), 'directory_error');
  assert.equal(outcomeFromBindError(new Error('socket hang up')), 'directory_error');
  assert.equal(outcomeFromBindError(Object.assign(new Error('busy'), { code: 51 })), 'directory_unavailable');
  assert.equal(outcomeFromBindError(Object.assign(new Error('stronger auth'), { code: 8 })), 'directory_error');
});

test('password change answers', () => {
  const cv = (m: string) => Object.assign(new Error(m), { code: 19 });
  assert.equal(
    outcomeFromPasswordChangeError(
      cv("00000056: Constraint violation - check_password_restrictions: The old password specified doesn't match!"),
    ),
    'invalid_credentials',
  );
  assert.equal(
    outcomeFromPasswordChangeError(cv('0000052D: Constraint violation - the password was already used')),
    'password_policy',
  );
  assert.equal(outcomeFromPasswordChangeError(Object.assign(new Error('x'), { code: 53 })), 'directory_error');
  assert.equal(outcomeFromPasswordChangeError(new Error('closed')), 'directory_error');
});

test('sub-code extraction', () => {
  assert.equal(adSubCode('AcceptSecurityContext error, data 775, v1db1'), '775');
  assert.equal(adSubCode('no data here'), undefined);
});
