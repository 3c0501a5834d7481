/**
 * The agent channel wired into the real cloud app (createAgentChannel): registry authentication, the admin's agent
 * check through the channel, counters in the agents table, routing groups from tenant settings, revocation cutting
 * the live connection. One agent registered through the real API, the trial directory behind it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { Agent, fetch as undiciFetch } from 'undici';
import { until } from '../../../scripts/testing/until.ts';
import { type DemoStack, startDemoStack } from '../../cli/src/demo/index.ts';
import { getAgentRegistry } from '../src/agent-channel/index.ts';

describe('agent channel in the cloud app', () => {
  let stack: DemoStack;
  let dataDir: string;
  let dispatcher: Agent;
  let agentId: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'openpta-channel-app-'));
    stack = await startDemoStack({
      dataDir,
      port: 0,
      rpPort: 0,
      agentHealthPort: false,
      logger: pino({ level: 'silent' }),
      channel: { activityFlushMs: 50 },
    });
    await stack.agent.client.whenConnected();
    agentId = stack.agent.client.identity!.agentId;
    dispatcher = new Agent({ connect: { ca: readFileSync(stack.caFile, 'utf8') } });
  });
  after(async () => {
    await stack?.close();
    await dispatcher?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const check = (id: string, body: unknown, token: string | undefined = stack.cloud.createdAdminToken) =>
    undiciFetch(`${stack.cloud.ctx.config.publicUrl}/admin/api/v1/agents/${id}/check`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
      dispatcher,
    });

  test('the admin checks an agent end to end through the channel', async () => {
    const ok = await check(agentId, { username: 'alice@corp.example.test', password: 'Alice-Pass-1' });
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { outcome: string; agentId: string };
    assert.deepEqual([body.outcome, body.agentId], ['ok', agentId]);
    const wrong = (await (
      await check(agentId, { username: 'alice@corp.example.test', password: 'nope-nope' })
    ).json()) as {
      outcome: string;
    };
    assert.equal(wrong.outcome, 'invalid_credentials');
    assert.equal((await check(agentId, { username: 'a@corp.example.test', password: 'x' }, 'bad-token')).status, 401);
    assert.equal((await check('no-such-agent', { username: 'a@corp.example.test', password: 'x' })).status, 404);
    assert.equal((await check(agentId, { user: 'x' })).status, 400);
  });

  test('served, failed, in flight and last seen reach the agents table', async () => {
    const registry = getAgentRegistry(stack.cloud.ctx);
    await until(async () => {
      const view = await registry.get(agentId);
      return view?.connected === true && view.served >= 2 && view.lastSeenAt !== null;
    }, 'agent counters');
    const view = await registry.get(agentId);
    assert.equal(view?.status, 'active');
    assert.equal(view?.inFlight, 0);
  });

  test('the demo agent runs with the service account: its change tracking polls the directory', async () => {
    const polls = async (result: string) => {
      const data = await stack.agent.validator.metrics
        .getSingleMetric('openpta_agent_change_tracking_polls_total')
        ?.get();
      return data?.values.find((v) => v.labels.result === result)?.value ?? 0;
    };
    // The first poll comes changePollMs (5 s) after the agent's first sign-in (the tests above signed in).
    await until(async () => (await polls('ok')) > 0, 'a change-tracking poll');
    assert.equal(await polls('failed'), 0);
  });

  test('routing groups from tenant settings: an agent restricted to another domain is not used', async () => {
    const tenants = stack.cloud.ctx.services.tenants;
    await tenants.updateSettings(stack.tenant.name, {
      agentRouting: { groups: [{ name: 'emea', domains: ['emea.example.test'], agents: [agentId] }] },
    });
    // Routing is read when the agent connects: make it reconnect.
    stack.channel.gateway.disconnectAgent(agentId, 'superseded');
    await until(() => stack.agent.client.state !== 'connected', 'disconnect');
    await stack.agent.client.whenConnected();
    await until(() => stack.channel.gateway.connectionCount() === 1, 'reconnected');
    const r = await stack.channel.verifier.verifyPassword({
      tenantId: stack.tenant.id,
      username: 'alice@corp.example.test',
      password: 'Alice-Pass-1',
      correlationId: 'routing',
    });
    assert.equal(r.outcome, 'agent_unavailable');
    await tenants.updateSettings(stack.tenant.name, {});
    stack.channel.gateway.disconnectAgent(agentId, 'superseded');
    await until(() => stack.agent.client.state !== 'connected', 'disconnect');
    await stack.agent.client.whenConnected();
    await until(() => stack.channel.gateway.connectionCount() === 1, 'reconnected');
    const again = await stack.channel.verifier.verifyPassword({
      tenantId: stack.tenant.id,
      username: 'alice@corp.example.test',
      password: 'Alice-Pass-1',
      correlationId: 'routing-2',
    });
    assert.equal(again.outcome, 'ok');
  });

  test('revoking the agent cuts its connection at once and it stops reconnecting', async () => {
    await getAgentRegistry(stack.cloud.ctx).revoke(agentId, 'test');
    await until(() => stack.agent.client.state === 'terminal', 'agent to stop');
    const r = await stack.channel.verifier.verifyPassword({
      tenantId: stack.tenant.id,
      username: 'alice@corp.example.test',
      password: 'Alice-Pass-1',
      correlationId: 'revoked',
    });
    assert.equal(r.outcome, 'agent_unavailable');
  });
});
