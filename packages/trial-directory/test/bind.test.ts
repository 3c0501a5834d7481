/** Bind behaviour beyond the shared table: name forms, transport, SASL, lockout, options, and what gets logged. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthMethodNotSupportedError, InvalidCredentialsError, OperationsError, StrongAuthRequiredError } from 'ldapts';
import { USERS, WRONG_PASSWORD } from '../../../scripts/testbed/users.ts';
import { startTrialDirectory, type TrialDirectory } from '../src/index.ts';
import type { LogCapture } from './helpers.ts';
import { captureLogs, closeQuietly, ldapsClient, plainClient, startDemo } from './helpers.ts';

async function bindResult(client: ReturnType<typeof ldapsClient>, name: string, password: string): Promise<string> {
  try {
    await client.bind(name, password);
    return 'success';
  } catch (error) {
    if (error instanceof InvalidCredentialsError) return `49/${/data ([0-9a-f]+)/.exec(error.message)?.[1]}`;
    return (error as Error).constructor.name;
  } finally {
    await closeQuietly(client);
  }
}

describe('bind', () => {
  let dir: TrialDirectory;
  let logs: LogCapture;
  before(async () => {
    ({ dir, logs } = await startDemo());
  });
  after(() => dir.close());

  it('accepts the UPN, the DN and DOMAIN\\sam', async () => {
    const alice = USERS.normal;
    for (const name of [
      alice.upn,
      'CN=Alice Anders,CN=Users,DC=corp,DC=example,DC=test',
      'cn=alice anders, cn=users, dc=CORP, dc=example, dc=test',
      'CORP\\alice',
      'corp.example.test\\ALICE',
    ]) {
      assert.equal(await bindResult(ldapsClient(dir), name, alice.password), 'success', name);
    }
    assert.equal(await bindResult(ldapsClient(dir), 'OTHER\\alice', alice.password), '49/52e');
  });

  it('refuses a simple bind without TLS with strongerAuthRequired, before looking at the password', async () => {
    for (const password of [USERS.normal.password, WRONG_PASSWORD]) {
      const client = plainClient(dir);
      await assert.rejects(client.bind(USERS.normal.upn, password), (error: Error) => {
        assert.ok(error instanceof StrongAuthRequiredError);
        assert.match(error.message, /Transport encryption required/);
        return true;
      });
      await closeQuietly(client);
    }
  });

  it('answers SASL binds with authMethodNotSupported', async () => {
    const client = ldapsClient(dir);
    await assert.rejects(client.bind('PLAIN', 'whatever'), AuthMethodNotSupportedError);
    await closeQuietly(client);
  });

  it('an empty name and password is an anonymous bind; anonymous may read nothing but the root DSE', async () => {
    const client = ldapsClient(dir);
    await client.bind('', '');
    await assert.rejects(client.search(dir.baseDn, { scope: 'sub' }), OperationsError);
    const root = await client.search('', { scope: 'base' });
    assert.equal(root.searchEntries[0]?.defaultNamingContext, dir.baseDn);
    await closeQuietly(client);
  });

  it('a failed bind leaves the connection anonymous (RFC 4513 4)', async () => {
    const client = ldapsClient(dir);
    await client.bind(USERS.service.upn, USERS.service.password);
    await assert.rejects(client.bind(USERS.normal.upn, WRONG_PASSWORD), InvalidCredentialsError);
    await assert.rejects(client.search(dir.baseDn, { scope: 'sub' }), OperationsError);
    await closeQuietly(client);
  });

  it('Who am I? reports the bound account', async () => {
    const client = ldapsClient(dir);
    await client.bind(USERS.grouped.upn, USERS.grouped.password);
    const { value } = await client.exop('1.3.6.1.4.1.4203.1.11.3');
    assert.equal(value, 'u:CORP\\grace');
    await closeQuietly(client);
  });

  it('never logs a password, and announces itself as trial-only at start', () => {
    const text = logs.text();
    assert.match(text, /TRIAL DIRECTORY/);
    assert.match(text, /"event":"bind"/);
    for (const u of Object.values(USERS)) assert.ok(!text.includes(u.password), `log contains ${u.sam}'s password`);
    assert.ok(!text.includes(WRONG_PASSWORD));
  });
});

describe('bind options', () => {
  it('allowPlainBind lets a password bind succeed without TLS', async () => {
    await using dir = await startTrialDirectory({
      users: { users: [alice()] },
      allowPlainBind: true,
      logger: captureLogs().logger,
    });
    assert.equal(await bindResult(plainClient(dir), 'alice@corp.example.test', 'Alice-Pass-1'), 'success');
  });

  it("unauthenticatedBind 'anonymous' lets a name with an empty password succeed, like Windows DCs", async () => {
    await using samba = await startTrialDirectory({ users: { users: [alice()] }, logger: captureLogs().logger });
    assert.equal(await bindResult(ldapsClient(samba), 'alice@corp.example.test', ''), '49/52e');
    await using windows = await startTrialDirectory({
      users: { users: [alice()] },
      unauthenticatedBind: 'anonymous',
      logger: captureLogs().logger,
    });
    assert.equal(await bindResult(ldapsClient(windows), 'alice@corp.example.test', ''), 'success');
  });

  it('lockoutThreshold locks after that many wrong passwords; then even the right one gives 775', async () => {
    await using dir = await startTrialDirectory({
      users: { users: [alice()] },
      lockoutThreshold: 3,
      logger: captureLogs().logger,
    });
    assert.equal(await bindResult(ldapsClient(dir), 'alice@corp.example.test', 'wrong-1'), '49/52e');
    assert.equal(await bindResult(ldapsClient(dir), 'alice@corp.example.test', 'Alice-Pass-1'), 'success');
    for (let i = 0; i < 3; i++)
      assert.equal(await bindResult(ldapsClient(dir), 'alice@corp.example.test', 'wrong'), '49/52e');
    assert.equal(await bindResult(ldapsClient(dir), 'alice@corp.example.test', 'Alice-Pass-1'), '49/775');
    assert.equal(await bindResult(ldapsClient(dir), 'alice@corp.example.test', 'wrong'), '49/52e');
  });

  it('the workstation state gives 531 with the right password only', async () => {
    await using dir = await startTrialDirectory({
      users: { users: [alice({ state: 'workstation' })] },
      logger: captureLogs().logger,
    });
    assert.equal(await bindResult(ldapsClient(dir), 'alice@corp.example.test', 'Alice-Pass-1'), '49/531');
    assert.equal(await bindResult(ldapsClient(dir), 'alice@corp.example.test', 'wrong'), '49/52e');
  });
});

function alice(extra: Record<string, unknown> = {}) {
  return { sAMAccountName: 'alice', displayName: 'Alice Anders', password: 'Alice-Pass-1', ...extra };
}
