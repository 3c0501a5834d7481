/**
 * Password CHANGE through unicodePwd (delete old + add new), as the agent does for 773 / 532 users: needs a bound
 * connection and TLS, checks the old password and the policy, and AD's constraintViolation texts come back.
 */
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import {
  Attribute,
  Change,
  type Client,
  ConstraintViolationError,
  InsufficientAccessError,
  InvalidCredentialsError,
  OperationsError,
  UnwillingToPerformError,
} from 'ldapts';
import { startTrialDirectory, type TrialDirectory } from '../src/index.ts';
import type { LogCapture } from './helpers.ts';
import { captureLogs, closeQuietly, ldapsClient, plainClient } from './helpers.ts';

const MIA_DN = 'CN=Mia Mustchange,CN=Users,DC=corp,DC=example,DC=test';
const MIA_UPN = 'mia@corp.example.test';
const OLD = 'Mia-Pass-1';
const NEW = 'Fresh-Pass-2';

function quoted(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

function passwordChange(oldPassword: string, newPassword: string): Change[] {
  return [
    new Change({
      operation: 'delete',
      modification: new Attribute({ type: 'unicodePwd', values: [quoted(oldPassword)] }),
    }),
    new Change({
      operation: 'add',
      modification: new Attribute({ type: 'unicodePwd', values: [quoted(newPassword)] }),
    }),
  ];
}

async function bindError(dir: TrialDirectory, upn: string, password: string): Promise<string> {
  const client = ldapsClient(dir);
  try {
    await client.bind(upn, password);
    return 'success';
  } catch (error) {
    return error instanceof InvalidCredentialsError
      ? (/data ([0-9a-f]+)/.exec(error.message)?.[1] ?? '?')
      : String(error);
  } finally {
    await closeQuietly(client);
  }
}

describe('password change', () => {
  let dir: TrialDirectory;
  let logs: LogCapture;
  let service: Client;
  beforeEach(async () => {
    await dir?.close();
    logs = captureLogs();
    dir = await startTrialDirectory({
      users: {
        users: [
          { sAMAccountName: 'mia', displayName: 'Mia Mustchange', password: OLD, state: 'mustChange' },
          { sAMAccountName: 'svc-openpta', displayName: 'openpta Service', password: 'Service-Pass-1-Long' },
        ],
      },
      allowPlainBind: true, // only so the "no TLS" case can bind at all
      logger: logs.logger,
    });
    service = ldapsClient(dir);
    await service.bind('svc-openpta@corp.example.test', 'Service-Pass-1-Long');
  });
  after(async () => {
    await closeQuietly(service);
    await dir.close();
  });

  it('changes a must-change password; the new one binds, the old one gives 52e', async () => {
    assert.equal(await bindError(dir, MIA_UPN, OLD), '773');
    await service.modify(MIA_DN, passwordChange(OLD, NEW));
    assert.equal(await bindError(dir, MIA_UPN, NEW), 'success');
    assert.equal(await bindError(dir, MIA_UPN, OLD), '52e');
    await closeQuietly(service);
    assert.ok(!logs.text().includes(NEW) && !logs.text().includes(OLD), 'passwords must never be logged');
  });

  it('a wrong old password is constraintViolation 00000056', async () => {
    await assert.rejects(service.modify(MIA_DN, passwordChange('Wrong-Old-1', NEW)), (error: Error) => {
      assert.ok(error instanceof ConstraintViolationError);
      assert.match(error.message, /00000056: Constraint violation/);
      return true;
    });
    assert.equal(await bindError(dir, MIA_UPN, OLD), '773', 'nothing changed');
    await closeQuietly(service);
  });

  it('policy failures are constraintViolation with data 52D: too short, not complex, reused', async () => {
    await service.modify(MIA_DN, passwordChange(OLD, NEW));
    for (const [candidate, text] of [
      ['Ab1-', /0000052D.*too short/],
      ['alllowercase', /0000052D.*complexity/],
      ['Xmia-Pass-99', /0000052D.*complexity/], // contains the sAMAccountName
      [NEW, /0000052D.*history/],
    ] as const) {
      await assert.rejects(service.modify(MIA_DN, passwordChange(NEW, candidate)), (error: Error) => {
        assert.ok(error instanceof ConstraintViolationError, candidate);
        assert.match(error.message, text);
        return true;
      });
    }
    await closeQuietly(service);
  });

  it('needs an authenticated connection (operationsError when anonymous)', async () => {
    const anonymous = ldapsClient(dir);
    await assert.rejects(anonymous.modify(MIA_DN, passwordChange(OLD, NEW)), OperationsError);
    await closeQuietly(anonymous);
    await closeQuietly(service);
  });

  it('needs TLS (unwillingToPerform on a plain connection)', async () => {
    const plain = plainClient(dir);
    await plain.bind('svc-openpta@corp.example.test', 'Service-Pass-1-Long');
    await assert.rejects(plain.modify(MIA_DN, passwordChange(OLD, NEW)), UnwillingToPerformError);
    await closeQuietly(plain);
    await closeQuietly(service);
  });

  it('a reset (replace) or a write to another attribute is insufficientAccessRights', async () => {
    const reset = [
      new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [quoted(NEW)] }) }),
    ];
    await assert.rejects(service.modify(MIA_DN, reset), InsufficientAccessError);
    const other = [
      new Change({ operation: 'replace', modification: new Attribute({ type: 'mail', values: ['x@y.test'] }) }),
    ];
    await assert.rejects(service.modify(MIA_DN, other), InsufficientAccessError);
    await closeQuietly(service);
  });
});
