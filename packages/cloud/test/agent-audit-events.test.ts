/**
 * The audit log of agent events (issue 6): registered, connected, renewed, disconnected and revoked each write one
 * audit event, with the agent as target and no secret in the details. Driven through the real pieces: the demo stack
 * registers an agent through the registration API and connects it over mutual TLS (trial directory), `renewAgent`
 * renews it as `openpta agent renew` would, the registry revokes it as `openpta admin agent revoke` does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadAgentIdentity, renewAgent } from '@openpta/agent';
import { CLOSE_CODES } from '@openpta/protocol';
import { type DemoStack, startDemoStack } from '../../cli/src/demo/index.ts';
import { listAuditEvents } from '../src/admin/audit.ts';
import { getAgentRegistry } from '../src/agent-channel/index.ts';
import { createLogger } from '../src/observability/logger.ts';

let stack: DemoStack;
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'openpta-agent-audit-'));
  stack = await startDemoStack({
    dataDir,
    port: 0,
    rpPort: 0,
    agentHealthPort: false,
    logger: createLogger('silent'),
    channel: { renewalReconnectDelayMs: 50 },
  });
  await stack.agent.client.whenConnected();
});

after(async () => {
  await stack?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function actionsFor(agentId: string): Promise<string[]> {
  const events = await listAuditEvents(stack.cloud.ctx.store.db, 1000);
  return events
    .filter((e) => e.target === `agent:${agentId}`)
    .reverse()
    .map((e) => e.action);
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(25);
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('registered, connected, renewed, disconnected and revoked are each in the audit log', async () => {
  const agentId = stack.agent.client.identity!.agentId;
  await until('agent.connected', async () => (await actionsFor(agentId)).includes('agent.connected'));
  assert.deepEqual((await actionsFor(agentId)).slice(0, 2), ['agent.register', 'agent.connected']);

  // Renewal: the agent drains its connection and reconnects with the new certificate.
  const before = loadAgentIdentity(stack.stateDir).certificatePem;
  await renewAgent({ stateDir: stack.stateDir });
  assert.notEqual(loadAgentIdentity(stack.stateDir).certificatePem, before);
  await until('the reconnection after the renewal', async () => {
    const actions = await actionsFor(agentId);
    return actions.filter((a) => a === 'agent.connected').length >= 2 && actions.includes('agent.disconnected');
  });

  await getAgentRegistry(stack.cloud.ctx).revoke(agentId, 'admin-token:test');
  // The revocation and the cut can fall in the same millisecond, and events of one millisecond have no defined order:
  // wait for the disconnection recorded with the revocation's close code, not for a position in the list.
  await until('the revoked agent to be cut off', async () => {
    const events = (await listAuditEvents(stack.cloud.ctx.store.db, 1000)).filter(
      (e) => e.target === `agent:${agentId}`,
    );
    return (
      events.some((e) => e.action === 'agent.revoke') &&
      events.some((e) => e.action === 'agent.disconnected' && e.details.closeCode === CLOSE_CODES.revoked)
    );
  });

  const actions = await actionsFor(agentId);
  for (const action of ['agent.register', 'agent.renew', 'agent.revoke', 'agent.connected', 'agent.disconnected']) {
    assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
  }
  assert.ok(actions.indexOf('agent.renew') < actions.lastIndexOf('agent.connected'), 'reconnected after renewal');

  const events = (await listAuditEvents(stack.cloud.ctx.store.db, 1000)).filter((e) => e.target === `agent:${agentId}`);
  const connected = events.find((e) => e.action === 'agent.connected')!;
  assert.equal(connected.actor, `agent:${agentId}`);
  assert.equal(connected.details.tenantId, stack.tenant.id);
  assert.equal(typeof connected.details.remoteAddress, 'string');
  assert.equal(typeof connected.details.agentVersion, 'string');
  const closes = events.filter((e) => e.action === 'agent.disconnected');
  assert.ok(
    closes.some((e) => e.details.closeCode === CLOSE_CODES.revoked),
    'the cut for the revocation is recorded as such',
  );
  const text = JSON.stringify(events);
  assert.doesNotMatch(text, /PRIVATE KEY|BEGIN CERTIFICATE/);
});
