/**
 * Fault injection: each fault gives the client the error a broken DC would (never an LDAP bind result), and the
 * server keeps serving other clients. No timing assertions: latency is checked against a client timeout far
 * shorter than the injected delay.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { ResultCodeError } from 'ldapts';
import { USERS } from '../../../scripts/testbed/users.ts';
import type { TrialDirectory } from '../src/index.ts';
import { closeQuietly, ldapsClient, plainClient, startDemo, tlsOptions } from './helpers.ts';

const alice = USERS.normal;

async function assertServes(dir: TrialDirectory): Promise<void> {
  const client = ldapsClient(dir);
  await client.bind(alice.upn, alice.password);
  await client.search(dir.baseDn, { scope: 'base' });
  await closeQuietly(client);
}

/** The failure must be a transport error, never an LDAP result code (which the agent could mistake for 49). */
function transportError(pattern: RegExp) {
  return (error: Error) => {
    assert.ok(!(error instanceof ResultCodeError), `expected a transport error, got ${error.name}: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('fault injection', () => {
  let dir: TrialDirectory;
  before(async () => {
    ({ dir } = await startDemo());
  });
  afterEach(() => dir.faults.reset());
  after(() => dir.close());

  it('latency on searches: a client with a short timeout times out; binds and other clients are unaffected', async () => {
    const slow = ldapsClient(dir, 2_000);
    await slow.bind(alice.upn, alice.password);
    dir.faults.setLatency(30_000, ['search']);
    await assert.rejects(slow.search(dir.baseDn, { scope: 'base' }), transportError(/timed out/));
    await closeQuietly(slow);
    const other = ldapsClient(dir);
    await other.bind(alice.upn, alice.password);
    await closeQuietly(other);
    dir.faults.setLatency(0);
    await assertServes(dir);
  });

  it('latency that fits in the client timeout still answers correctly', async () => {
    dir.faults.setLatency(20);
    await assertServes(dir);
  });

  it('dropped on accept: the connection closes before any answer', async () => {
    dir.faults.dropConnections('accept');
    for (const client of [ldapsClient(dir), plainClient(dir)]) {
      await assert.rejects(
        client.bind(alice.upn, alice.password),
        transportError(/socket|closed|ECONNRESET|disconnected/i),
      );
      await closeQuietly(client);
    }
    dir.faults.dropConnections('none');
    await assertServes(dir);
  });

  it('dropped mid-operation: an open, bound connection closes on its next request', async () => {
    const client = ldapsClient(dir);
    await client.bind(alice.upn, alice.password);
    dir.faults.dropConnections('operation');
    await assert.rejects(client.search(dir.baseDn, { scope: 'base' }), transportError(/closed/i));
    await closeQuietly(client);
    dir.faults.dropConnections('none');
    await assertServes(dir);
  });

  it('refused: new connections get ECONNREFUSED, open ones keep working, then the same ports accept again', async () => {
    const open = ldapsClient(dir);
    await open.bind(alice.upn, alice.password);
    const { port, ldapsPort } = dir;
    await dir.faults.refuseConnections();
    assert.equal(dir.faults.state.refusing, true);
    for (const client of [ldapsClient(dir), plainClient(dir)]) {
      await assert.rejects(client.bind(alice.upn, alice.password), transportError(/ECONNREFUSED/));
      await closeQuietly(client);
    }
    await open.search(dir.baseDn, { scope: 'base' });
    await closeQuietly(open);
    await dir.faults.acceptConnections();
    assert.equal(dir.port, port);
    assert.equal(dir.ldapsPort, ldapsPort);
    await assertServes(dir);
  });

  it('garbage responses: the client gets an error, not an LDAP result', async () => {
    dir.faults.garbageResponses(true);
    const client = ldapsClient(dir, 2_000);
    await assert.rejects(client.bind(alice.upn, alice.password), transportError(/closed|timed out/i));
    await closeQuietly(client);
    const starttls = plainClient(dir, 2_000);
    await assert.rejects(starttls.startTLS(tlsOptions(dir)), transportError(/closed|timed out/i));
    await closeQuietly(starttls);
    dir.faults.garbageResponses(false);
    await assertServes(dir);
  });
});
