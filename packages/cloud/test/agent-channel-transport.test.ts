/**
 * The channel end to end over real sockets: mutual TLS WebSocket, the real gateway, dispatcher, channel verifier,
 * envelope sealing/opening and the agent's channel client. Only the LDAP directory is replaced by a map here (the
 * AD test bed tests run the real validator).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Outcome } from '@openpta/protocol';
import WebSocket from 'ws';
import { until } from '../../../scripts/testing/until.ts';
import { startConnectProxy } from '../../agent/test/channel-support/connect-proxy.ts';
import { type ChannelCloud, startChannelCloud } from './agent-channel-support/harness.ts';
import { startTestAgent, type TestAgent } from './agent-channel-support/test-agent.ts';

const PASSWORD = 'Corr3ct-Horse-Battery!';
const directory = new Map<string, readonly [string, Outcome]>([
  ['alice@corp.example.test', [PASSWORD, 'ok']],
  ['dora@corp.example.test', [PASSWORD, 'account_disabled']],
  ['emil@emea.example.test', [PASSWORD, 'ok']],
  ['bob@other.example.test', [PASSWORD, 'ok']],
]);

let seq = 0;
const cid = () => `test-${++seq}`;

describe('agent channel over mutual TLS', () => {
  let cloud: ChannelCloud;
  const agents: TestAgent[] = [];
  const start = (opts: Parameters<typeof startTestAgent>[0]) => {
    const a = startTestAgent(opts);
    agents.push(a);
    return a;
  };
  before(async () => {
    cloud = await startChannelCloud({ requestTimeoutMs: 5000 });
  });
  after(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await cloud.close();
  });

  test('a password is validated by a connected agent; outcomes and attributes come back; no plaintext anywhere', async () => {
    const reg = await cloud.registerAgent('a-basic', 'tenant-basic');
    const agent = start({ url: cloud.url, ca: cloud.pki.caCert, agent: reg, directory });
    await agent.client.whenConnected();
    const ok = await cloud.verifier.verifyPassword({
      tenantId: 'tenant-basic',
      username: 'alice@corp.example.test',
      password: PASSWORD,
      correlationId: cid(),
    });
    assert.equal(ok.outcome, 'ok');
    assert.equal(ok.agentId, 'a-basic');
    assert.equal(ok.attributes?.upn, 'alice@corp.example.test');
    assert.equal(ok.dc, 'dc1.test');
    const wrong = await cloud.verifier.verifyPassword({
      tenantId: 'tenant-basic',
      username: 'alice@corp.example.test',
      password: 'Wrong-Password-1',
      correlationId: cid(),
    });
    assert.deepEqual(wrong, { outcome: 'invalid_credentials', agentId: 'a-basic' });
    const disabled = await cloud.verifier.verifyPassword({
      tenantId: 'tenant-basic',
      username: 'dora@corp.example.test',
      password: PASSWORD,
      correlationId: cid(),
    });
    assert.equal(disabled.outcome, 'account_disabled');
    // The password crossed the wire only inside envelopes, and never reached a cloud log line.
    assert.equal(agent.frames.length, 3);
    for (const f of agent.frames) assert.ok(!f.includes(PASSWORD) && !f.includes('Wrong-Password-1'));
    assert.ok(!cloud.logText().includes(PASSWORD));
    assert.ok(!cloud.logText().includes('Wrong-Password-1'));
  });

  test('empty password or control characters: bad_request before any agent sees it', async () => {
    const reg = await cloud.registerAgent('a-input', 'tenant-input');
    const agent = start({ url: cloud.url, ca: cloud.pki.caCert, agent: reg, directory });
    await agent.client.whenConnected();
    for (const password of ['', 'abc\u0000def', 'x'.repeat(2000)]) {
      const r = await cloud.verifier.verifyPassword({
        tenantId: 'tenant-input',
        username: 'alice@corp.example.test',
        password,
        correlationId: cid(),
      });
      assert.equal(r.outcome, 'bad_request');
    }
    assert.equal(agent.frames.length, 0);
  });

  test('no connected agent: agent_unavailable at once', async () => {
    const r = await cloud.verifier.verifyPassword({
      tenantId: 'tenant-nobody',
      username: 'alice@corp.example.test',
      password: PASSWORD,
      correlationId: cid(),
    });
    assert.equal(r.outcome, 'agent_unavailable');
  });

  test('two agents share the load', async () => {
    const a = start({
      url: cloud.url,
      ca: cloud.pki.caCert,
      agent: await cloud.registerAgent('a-share-1', 'tenant-share'),
      directory,
    });
    const b = start({
      url: cloud.url,
      ca: cloud.pki.caCert,
      agent: await cloud.registerAgent('a-share-2', 'tenant-share'),
      directory,
    });
    await Promise.all([a.client.whenConnected(), b.client.whenConnected()]);
    const results = await Promise.all(
      Array.from({ length: 60 }, () =>
        cloud.verifier.verifyPassword({
          tenantId: 'tenant-share',
          username: 'alice@corp.example.test',
          password: PASSWORD,
          correlationId: cid(),
        }),
      ),
    );
    assert.ok(results.every((r) => r.outcome === 'ok'));
    assert.ok(a.binds.length > 0 && b.binds.length > 0, `a ${a.binds.length}, b ${b.binds.length}`);
    assert.equal(a.binds.length + b.binds.length, 60);
  });

  test('an agent killed mid-run: what it had taken fails cleanly (never validated twice), the rest succeed via the other', async () => {
    const regA = await cloud.registerAgent('a-kill-1', 'tenant-kill');
    const regB = await cloud.registerAgent('a-kill-2', 'tenant-kill');
    const a = start({ url: cloud.url, ca: cloud.pki.caCert, agent: regA, directory, maxInFlight: 2, hold: true });
    const b = start({ url: cloud.url, ca: cloud.pki.caCert, agent: regB, directory, maxInFlight: 1, hold: true });
    await Promise.all([a.client.whenConnected(), b.client.whenConnected()]);
    // Both are recipients of every request; A takes two, B one, three wait in the tenant's queue.
    const requests = Array.from({ length: 6 }, () =>
      cloud.verifier.verifyPassword({
        tenantId: 'tenant-kill',
        username: 'alice@corp.example.test',
        password: PASSWORD,
        correlationId: cid(),
      }),
    );
    await until(() => a.frames.length === 2 && b.frames.length === 1, 'agents to take three requests');
    assert.equal(cloud.gateway.dispatcher.queueDepth('tenant-kill'), 3);
    a.kill();
    await until(
      () => cloud.gateway.dispatcher.connections().filter((c) => c.tenantId === 'tenant-kill').length === 1,
      'A gone',
    );
    const releaser = setInterval(() => b.release(), 5);
    const results = await Promise.all(requests);
    clearInterval(releaser);
    const outcomes = results.map((r) => r.outcome).sort();
    assert.deepEqual(outcomes, ['directory_error', 'directory_error', 'ok', 'ok', 'ok', 'ok']);
    // A took two and never answered; B validated the other four, each exactly once.
    assert.equal(a.binds.length, 0);
    assert.equal(b.binds.length, 4);
    assert.equal(new Set(b.binds.map((x) => x.requestId)).size, 4);
  });

  test('request timeout: directory_timeout, and the late answer is refused', async () => {
    const quick = await startChannelCloud({ requestTimeoutMs: 300 });
    try {
      const reg = await quick.registerAgent('a-slow', 'tenant-slow');
      const agent = startTestAgent({ url: quick.url, ca: quick.pki.caCert, agent: reg, directory, hold: true });
      await agent.client.whenConnected();
      const r = await quick.verifier.verifyPassword({
        tenantId: 'tenant-slow',
        username: 'alice@corp.example.test',
        password: PASSWORD,
        correlationId: cid(),
      });
      assert.equal(r.outcome, 'directory_timeout');
      agent.release();
      await until(
        () => quick.logs.some((l) => l.msg === 'rejected an answer from the agent' && l.reason === 'late'),
        'late log',
      );
      await agent.stop();
    } finally {
      await quick.close();
    }
  });

  test('two tenants: agents never see the other tenant’s requests', async () => {
    const t1 = start({
      url: cloud.url,
      ca: cloud.pki.caCert,
      agent: await cloud.registerAgent('a-iso-1', 'tenant-iso-1'),
      directory,
    });
    const t2 = start({
      url: cloud.url,
      ca: cloud.pki.caCert,
      agent: await cloud.registerAgent('a-iso-2', 'tenant-iso-2'),
      directory,
    });
    await Promise.all([t1.client.whenConnected(), t2.client.whenConnected()]);
    const jobs = [];
    for (let i = 0; i < 20; i++) {
      const tenantId = i % 2 === 0 ? 'tenant-iso-1' : 'tenant-iso-2';
      jobs.push(
        cloud.verifier.verifyPassword({
          tenantId,
          username: 'alice@corp.example.test',
          password: PASSWORD,
          correlationId: cid(),
        }),
      );
    }
    const results = await Promise.all(jobs);
    assert.ok(results.every((r) => r.outcome === 'ok'));
    assert.equal(t1.binds.length, 10);
    assert.equal(t2.binds.length, 10);
    assert.ok(t1.binds.every((b) => b.tenantId === 'tenant-iso-1'));
    assert.ok(t2.binds.every((b) => b.tenantId === 'tenant-iso-2'));
    assert.ok(results.every((r, i) => r.agentId === (i % 2 === 0 ? 'a-iso-1' : 'a-iso-2')));
  });

  test('routing: requests go only to agents serving the user’s domain; an agent in no group serves all', async () => {
    const corp = start({
      url: cloud.url,
      ca: cloud.pki.caCert,
      agent: await cloud.registerAgent('a-route-corp', 'tenant-route', ['corp.example.test']),
      directory,
    });
    const emea = start({
      url: cloud.url,
      ca: cloud.pki.caCert,
      agent: await cloud.registerAgent('a-route-emea', 'tenant-route', ['emea.example.test']),
      directory,
    });
    await Promise.all([corp.client.whenConnected(), emea.client.whenConnected()]);
    for (let i = 0; i < 5; i++) {
      const r1 = await cloud.verifier.verifyPassword({
        tenantId: 'tenant-route',
        username: 'alice@corp.example.test',
        password: PASSWORD,
        correlationId: cid(),
      });
      const r2 = await cloud.verifier.verifyPassword({
        tenantId: 'tenant-route',
        username: 'emil@emea.example.test',
        password: PASSWORD,
        correlationId: cid(),
      });
      assert.equal(r1.agentId, 'a-route-corp');
      assert.equal(r2.agentId, 'a-route-emea');
    }
    const none = await cloud.verifier.verifyPassword({
      tenantId: 'tenant-route',
      username: 'bob@other.example.test',
      password: PASSWORD,
      correlationId: cid(),
    });
    assert.equal(none.outcome, 'agent_unavailable');
    const all = start({
      url: cloud.url,
      ca: cloud.pki.caCert,
      agent: await cloud.registerAgent('a-route-all', 'tenant-route'),
      directory,
    });
    await all.client.whenConnected();
    const other = await cloud.verifier.verifyPassword({
      tenantId: 'tenant-route',
      username: 'bob@other.example.test',
      password: PASSWORD,
      correlationId: cid(),
    });
    assert.deepEqual([other.outcome, other.agentId], ['ok', 'a-route-all']);
    assert.ok(corp.binds.every((b) => b.username.endsWith('@corp.example.test')));
    assert.ok(emea.binds.every((b) => b.username.endsWith('@emea.example.test')));
  });

  test('sign-in through an HTTP CONNECT proxy', async () => {
    const proxy = await startConnectProxy();
    try {
      const agent = start({
        url: cloud.url,
        ca: cloud.pki.caCert,
        agent: await cloud.registerAgent('a-proxy', 'tenant-proxy'),
        directory,
        proxyUrl: proxy.url,
      });
      await agent.client.whenConnected();
      const r = await cloud.verifier.verifyPassword({
        tenantId: 'tenant-proxy',
        username: 'alice@corp.example.test',
        password: PASSWORD,
        correlationId: cid(),
      });
      assert.equal(r.outcome, 'ok');
      assert.deepEqual(proxy.tunnels, [`127.0.0.1:${cloud.port}`]);
      await agent.stop();
    } finally {
      await proxy.close();
    }
  });

  test('a certificate from another CA is refused and the agent stops retrying; a revoked agent is cut off', async () => {
    const { createTestPki } = await import('./agent-channel-support/test-pki.ts');
    const otherPki = await createTestPki('rogue');
    const reg = await cloud.registerAgent('a-rogue', 'tenant-rogue');
    const rogue = start({
      url: cloud.url,
      ca: cloud.pki.caCert,
      agent: { ...reg, ...(await otherPki.issueAgent('a-rogue')) },
      directory,
    });
    await until(() => rogue.client.state === 'terminal', 'rogue agent to be refused');
    assert.ok(cloud.logs.some((l) => l.msg === 'refused an agent connection' && l.code === 'unauthorized'));

    const revoked = start({
      url: cloud.url,
      ca: cloud.pki.caCert,
      agent: await cloud.registerAgent('a-revoked', 'tenant-rogue'),
      directory,
    });
    await revoked.client.whenConnected();
    cloud.revoke('a-revoked');
    await until(() => revoked.client.state === 'terminal', 'revoked agent to stop');
    const r = await cloud.verifier.verifyPassword({
      tenantId: 'tenant-rogue',
      username: 'alice@corp.example.test',
      password: PASSWORD,
      correlationId: cid(),
    });
    assert.equal(r.outcome, 'agent_unavailable');
  });

  test('the agent reconnects after the cloud drops it, and activity counters reach the registry', async () => {
    const reg = await cloud.registerAgent('a-recon', 'tenant-recon');
    const agent = start({ url: cloud.url, ca: cloud.pki.caCert, agent: reg, directory });
    await agent.client.whenConnected();
    await cloud.verifier.verifyPassword({
      tenantId: 'tenant-recon',
      username: 'alice@corp.example.test',
      password: PASSWORD,
      correlationId: cid(),
    });
    assert.equal(cloud.gateway.disconnectAgent('a-recon', 'superseded'), 1);
    await until(() => agent.client.state !== 'connected', 'disconnect');
    await agent.client.whenConnected();
    const r = await cloud.verifier.verifyPassword({
      tenantId: 'tenant-recon',
      username: 'alice@corp.example.test',
      password: 'nope-nope',
      correlationId: cid(),
    });
    assert.equal(r.outcome, 'invalid_credentials');
    await until(
      () => cloud.activity.filter((x) => x.agentId === 'a-recon').reduce((n, x) => n + x.servedDelta, 0) === 2,
      'served counters',
    );
    assert.ok(cloud.activity.some((x) => x.agentId === 'a-recon' && !x.connected));
  });

  test('password change goes through the channel', async () => {
    const agent = start({
      url: cloud.url,
      ca: cloud.pki.caCert,
      agent: await cloud.registerAgent('a-change', 'tenant-change'),
      directory,
    });
    await agent.client.whenConnected();
    const r = await cloud.verifier.changePassword({
      tenantId: 'tenant-change',
      username: 'alice@corp.example.test',
      oldPassword: PASSWORD,
      newPassword: 'N3w-Password-Long!',
      correlationId: cid(),
    });
    assert.equal(r.outcome, 'ok');
    assert.ok(!agent.frames.some((f) => f.includes('N3w-Password-Long!')));
    assert.ok(!cloud.logText().includes('N3w-Password-Long!'));
  });

  test('frames are validated: a bad frame closes that connection with a clear log line; forged answers are refused', async () => {
    const reg = await cloud.registerAgent('a-raw', 'tenant-raw');
    const ws = new WebSocket(cloud.url, { cert: reg.cert, key: reg.key, ca: cloud.pki.caCert });
    const received: string[] = [];
    ws.on('message', (d) => received.push(d.toString()));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'hello', versions: [1], agentVersion: 'raw', hostname: 'raw' }));
    await until(() => received.some((m) => m.includes('"welcome"')), 'welcome');
    // An answer for a request nobody sent: refused and logged, the connection stays.
    ws.send(JSON.stringify({ type: 'validate-response', requestId: 'forged-1', outcome: 'ok' }));
    await until(
      () => cloud.logs.some((l) => l.msg === 'rejected an answer from the agent' && l.requestId === 'forged-1'),
      'forged answer log',
    );
    assert.equal(ws.readyState, WebSocket.OPEN);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ type: 'credit', credits: 'lots' }));
    assert.equal(await closed, 4000);
    assert.ok(
      cloud.logs.some(
        (l) => l.msg === 'closing agent connection' && String(l.reason).includes('bad frame from agent: FRAME_INVALID'),
      ),
    );
  });

  test('protocol version 2: an answer may carry credits, granted like a credit frame; credit frames still work', async () => {
    const reg = await cloud.registerAgent('a-credits', 'tenant-credits');
    const ws = new WebSocket(cloud.url, { cert: reg.cert, key: reg.key, ca: cloud.pki.caCert });
    const received: Record<string, unknown>[] = [];
    ws.on('message', (d) => received.push(JSON.parse(d.toString()) as Record<string, unknown>));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'hello', versions: [2, 1], agentVersion: 'raw', hostname: 'raw' }));
    await until(() => received.some((m) => m.type === 'welcome'), 'welcome');
    assert.equal(received.find((m) => m.type === 'welcome')?.version, 2);
    ws.send(JSON.stringify({ type: 'credit', credits: 1 }));
    const verify = () =>
      cloud.verifier.verifyPassword({
        tenantId: 'tenant-credits',
        username: 'alice@corp.example.test',
        password: PASSWORD,
        correlationId: cid(),
      });
    const requests = () => received.filter((m) => m.type === 'validate-request');
    const answer = (i: number, extra: Record<string, unknown>) =>
      ws.send(
        JSON.stringify({
          type: 'validate-response',
          requestId: requests()[i]?.requestId,
          outcome: 'invalid_credentials',
          ...extra,
        }),
      );
    const first = verify();
    await until(() => requests().length === 1, 'first request');
    // The answer returns the credit its request used: the next request goes out without a credit frame.
    answer(0, { credits: 1 });
    assert.equal((await first).outcome, 'invalid_credentials');
    const second = verify();
    await until(() => requests().length === 2, 'second request, on the credit that came with the first answer');
    answer(1, {});
    assert.equal((await second).outcome, 'invalid_credentials');
    // An answer without credits returns none: the third request waits for a credit frame (version 1 behaviour).
    const third = verify();
    await until(() => cloud.gateway.dispatcher.queueDepth('tenant-credits') === 1, 'third request queued');
    ws.send(JSON.stringify({ type: 'credit', credits: 1 }));
    await until(() => requests().length === 3, 'third request after a credit frame');
    answer(2, { credits: 1 });
    assert.equal((await third).outcome, 'invalid_credentials');
    ws.close();
  });

  test('heartbeat: the cloud pings, the agent answers, and a silent agent is cut off', async () => {
    const fast = await startChannelCloud({ heartbeatIntervalMs: 100 });
    try {
      const reg = await fast.registerAgent('a-heartbeat', 'tenant-hb');
      // A live agent answers pings: it stays connected across many intervals.
      const live = startTestAgent({ url: fast.url, ca: fast.pki.caCert, agent: reg, directory });
      await live.client.whenConnected();
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(live.client.state, 'connected');
      await live.stop();
      // A raw connection that says hello and then never answers is closed with heartbeatTimeout (4008).
      const ws = new WebSocket(fast.url, { cert: reg.cert, key: reg.key, ca: fast.pki.caCert, autoPong: true });
      await new Promise((resolve) => ws.once('open', resolve));
      ws.send(JSON.stringify({ type: 'hello', versions: [1], agentVersion: 'raw', hostname: 'raw' }));
      const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
      assert.equal(code, 4008);
    } finally {
      await fast.close();
    }
  });

  test('drain (SIGTERM path): agents get the reconnect hint, in-flight requests finish, then connections close', async () => {
    const draining = await startChannelCloud({ requestTimeoutMs: 5000 });
    try {
      const reg = await draining.registerAgent('a-drain', 'tenant-drain');
      const agent = startTestAgent({ url: draining.url, ca: draining.pki.caCert, agent: reg, directory, hold: true });
      await agent.client.whenConnected();
      const inFlight = draining.verifier.verifyPassword({
        tenantId: 'tenant-drain',
        username: 'alice@corp.example.test',
        password: PASSWORD,
        correlationId: cid(),
      });
      await until(() => agent.frames.length === 1, 'request taken');
      const drained = draining.gateway.drain({ timeoutMs: 5000 });
      // The agent stops taking work on this connection and tries to reconnect; the draining node refuses it.
      await until(() => agent.client.state !== 'connected', 'agent to leave');
      agent.release();
      assert.equal((await inFlight).outcome, 'ok');
      await drained;
      assert.equal(draining.gateway.connectionCount(), 0);
      // Refused with 503 while draining: not terminal, the agent keeps retrying elsewhere/later.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.notEqual(agent.client.state, 'terminal');
      await agent.stop();
    } finally {
      await draining.close();
    }
  });

  test('reconnect elsewhere: a draining node sends its agents to another node, which then serves them', async () => {
    const nodeA = await startChannelCloud({ requestTimeoutMs: 5000 });
    const nodeB = await startChannelCloud({ requestTimeoutMs: 5000, sameCloudAs: nodeA });
    let agent: TestAgent | undefined;
    try {
      const reg = await nodeA.registerAgent('a-move', 'tenant-move');
      agent = startTestAgent({ url: nodeA.url, ca: nodeA.pki.caCert, agent: reg, directory });
      await agent.client.whenConnected();
      assert.equal(nodeA.gateway.connectionCount(), 1);
      await nodeA.gateway.drain({ url: nodeB.url, delayMs: 0, timeoutMs: 5000 });
      // The socket counts as a connection at upgrade; the agent can take requests only after hello/welcome and its
      // first credit, so wait for that, not for the socket.
      await until(
        () => nodeB.gateway.dispatcher.eligibleAgents('tenant-move').some((a) => a.credits > 0),
        'agent on node B with credit',
      );
      assert.equal(nodeA.gateway.connectionCount(), 0);
      const r = await nodeB.verifier.verifyPassword({
        tenantId: 'tenant-move',
        username: 'alice@corp.example.test',
        password: PASSWORD,
        correlationId: cid(),
      });
      assert.deepEqual([r.outcome, r.agentId], ['ok', 'a-move']);
    } finally {
      // Stop the agent even when an assertion failed: a live agent keeps reconnecting and holds the process open.
      await agent?.stop();
      await nodeB.close();
      await nodeA.close();
    }
  });
});
