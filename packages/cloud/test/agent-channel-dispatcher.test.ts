import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createDispatcher, type DispatchResult } from '../src/agent-channel/dispatch/index.ts';

interface Sent {
  readonly requestId: string;
  readonly payload: string;
}

function fakeAgent(agentId: string, tenantId = 't1', domains?: string[]) {
  const sent: Sent[] = [];
  return {
    sent,
    link: {
      agentId,
      tenantId,
      domains: domains === undefined ? undefined : new Set(domains),
      send: (requestId: string, payload: string) => {
        sent.push({ requestId, payload });
        return true;
      },
    },
  };
}

function req(requestId: string, recipients: string[], tenantId = 't1', timeoutMs = 60_000) {
  return { requestId, tenantId, recipients: new Set(recipients), payload: `ciphertext-${requestId}`, timeoutMs };
}

describe('dispatcher', () => {
  test('no connected agent: no_agent at once', async () => {
    const d = createDispatcher<string, string>();
    assert.deepEqual(await d.dispatch(req('r1', ['a1'])), { status: 'no_agent' });
    d.close();
  });

  test('connected recipient without credit: the request waits until credit arrives', async () => {
    const d = createDispatcher<string, string>();
    const a = fakeAgent('a1');
    const s = d.connect(a.link);
    const p = d.dispatch(req('r1', ['a1']));
    assert.equal(a.sent.length, 0);
    assert.equal(d.queueDepth('t1'), 1);
    s.grant(1);
    assert.deepEqual(a.sent, [{ requestId: 'r1', payload: 'ciphertext-r1' }]);
    assert.deepEqual(s.answer('r1', 'ok'), { accepted: true });
    const result = await p;
    assert.equal(result.status, 'answered');
    assert.equal(result.status === 'answered' && result.result, 'ok');
    assert.equal(d.queueDepth(), 0);
    d.close();
  });

  test('credit is consumed per request: an agent never holds more than it granted', async () => {
    const d = createDispatcher<string, string>();
    const a = fakeAgent('a1');
    const s = d.connect(a.link);
    s.grant(2);
    const ps = ['r1', 'r2', 'r3', 'r4'].map((id) => d.dispatch(req(id, ['a1'])));
    assert.deepEqual(
      a.sent.map((x) => x.requestId),
      ['r1', 'r2'],
    );
    assert.equal(d.queueDepth('t1'), 2);
    s.answer('r1', 'ok');
    s.grant(1);
    assert.deepEqual(
      a.sent.map((x) => x.requestId),
      ['r1', 'r2', 'r3'],
    );
    s.answer('r2', 'ok');
    s.answer('r3', 'ok');
    s.grant(2);
    s.answer('r4', 'ok');
    const results = await Promise.all(ps);
    assert.ok(results.every((r) => r.status === 'answered'));
    d.close();
  });

  test('two agents with equal credit share the load', async () => {
    const d = createDispatcher<string, string>();
    const a = fakeAgent('a1');
    const b = fakeAgent('a2');
    const sa = d.connect(a.link);
    const sb = d.connect(b.link);
    sa.grant(100);
    sb.grant(100);
    const ps = Array.from({ length: 100 }, (_, i) => d.dispatch(req(`r${i}`, ['a1', 'a2'])));
    assert.equal(a.sent.length, 50);
    assert.equal(b.sent.length, 50);
    for (const x of a.sent) sa.answer(x.requestId, 'ok');
    for (const x of b.sent) sb.answer(x.requestId, 'ok');
    const results = await Promise.all(ps);
    assert.equal(results.filter((r) => r.status === 'answered' && r.agentId === 'a1').length, 50);
    d.close();
  });

  test('the agent with more spare credit gets the request', () => {
    const d = createDispatcher<string, string>();
    const a = fakeAgent('a1');
    const b = fakeAgent('a2');
    d.connect(a.link).grant(1);
    d.connect(b.link).grant(5);
    void d.dispatch(req('r1', ['a1', 'a2']));
    assert.equal(b.sent.length, 1);
    assert.equal(a.sent.length, 0);
    d.close();
  });

  test('a request goes only to its recipients (routing and encryption)', async () => {
    const d = createDispatcher<string, string>();
    const a = fakeAgent('a1');
    const b = fakeAgent('a2');
    d.connect(a.link).grant(10);
    const sb = d.connect(b.link);
    sb.grant(10);
    const p = d.dispatch(req('r1', ['a2']));
    assert.equal(a.sent.length, 0);
    assert.equal(b.sent.length, 1);
    sb.answer('r1', 'ok');
    assert.equal((await p).status, 'answered');
    d.close();
  });

  test('eligibleAgents filters by domain; an agent in no group serves every domain', () => {
    const d = createDispatcher<string, string>();
    d.connect(fakeAgent('a1', 't1', ['corp.example.test']).link);
    d.connect(fakeAgent('a2', 't1', ['emea.example.test']).link);
    d.connect(fakeAgent('a3', 't1').link);
    d.connect(fakeAgent('b1', 't2').link);
    const ids = (xs: { agentId: string }[]) => xs.map((x) => x.agentId).sort();
    assert.deepEqual(ids(d.eligibleAgents('t1', 'CORP.example.test')), ['a1', 'a3']);
    assert.deepEqual(ids(d.eligibleAgents('t1', 'emea.example.test')), ['a2', 'a3']);
    assert.deepEqual(ids(d.eligibleAgents('t1')), ['a1', 'a2', 'a3']);
    assert.deepEqual(ids(d.eligibleAgents('t2', 'corp.example.test')), ['b1']);
    assert.deepEqual(d.eligibleAgents('t3'), []);
    d.close();
  });

  test('two tenants: an agent never receives the other tenant’s requests, even when it names itself a recipient', () => {
    const d = createDispatcher<string, string>();
    const a = fakeAgent('shared-id', 't1');
    const b = fakeAgent('b1', 't2');
    d.connect(a.link).grant(10);
    d.connect(b.link).grant(10);
    void d.dispatch(req('r1', ['shared-id', 'b1'], 't2'));
    void d.dispatch(req('r2', ['shared-id', 'b1'], 't1'));
    assert.deepEqual(
      a.sent.map((x) => x.requestId),
      ['r2'],
    );
    assert.deepEqual(
      b.sent.map((x) => x.requestId),
      ['r1'],
    );
    d.close();
  });

  test('a queued request moves to another agent when its agent disconnects; a taken one ends agent_lost', async () => {
    const d = createDispatcher<string, string>();
    const a = fakeAgent('a1');
    const b = fakeAgent('a2');
    const sa = d.connect(a.link);
    const sb = d.connect(b.link);
    sa.grant(1);
    const taken = d.dispatch(req('r1', ['a1', 'a2']));
    const queued = d.dispatch(req('r2', ['a1', 'a2']));
    assert.equal(a.sent.length, 1);
    sa.disconnect();
    assert.deepEqual(await taken, { status: 'agent_lost', agentId: 'a1' });
    sb.grant(1);
    assert.deepEqual(
      b.sent.map((x) => x.requestId),
      ['r2'],
    );
    sb.answer('r2', 'ok');
    assert.equal((await queued).status, 'answered');
    // The lost request is never handed out again, whatever credit arrives.
    sb.grant(10);
    assert.deepEqual(
      b.sent.map((x) => x.requestId),
      ['r2'],
    );
    assert.equal(sa.stats().failed, 1);
    d.close();
  });

  test('the last recipient disconnecting ends queued requests with no_agent', async () => {
    const d = createDispatcher<string, string>();
    const s = d.connect(fakeAgent('a1').link);
    const p = d.dispatch(req('r1', ['a1']));
    s.disconnect();
    assert.deepEqual(await p, { status: 'no_agent' });
    assert.equal(d.queueDepth(), 0);
    d.close();
  });

  test('timeout: queued and taken requests end with timeout; a late answer is refused as late', async () => {
    const d = createDispatcher<string, string>();
    const a = fakeAgent('a1');
    const s = d.connect(a.link);
    s.grant(1);
    const taken = d.dispatch(req('r1', ['a1'], 't1', 20));
    const queued = d.dispatch(req('r2', ['a1'], 't1', 20));
    assert.deepEqual(await taken, { status: 'timeout', taken: true, agentId: 'a1' });
    assert.deepEqual(await queued, { status: 'timeout', taken: false });
    assert.deepEqual(s.answer('r1', 'ok'), { accepted: false, reason: 'late' });
    assert.equal(d.inFlight(), 0);
    d.close();
  });

  test('answers are bound to the connection that took the request; replays and forgeries are refused', async () => {
    const d = createDispatcher<string, string>();
    const a = fakeAgent('a1');
    const b = fakeAgent('a2');
    const sa = d.connect(a.link);
    const sb = d.connect(b.link);
    sa.grant(1);
    const p = d.dispatch(req('r1', ['a1', 'a2']));
    assert.deepEqual(sb.answer('r1', 'ok'), { accepted: false, reason: 'wrong_connection' });
    assert.deepEqual(sa.answer('nope', 'ok'), { accepted: false, reason: 'unknown_request' });
    assert.deepEqual(sa.answer('r1', 'invalid_credentials'), { accepted: true });
    assert.deepEqual(sa.answer('r1', 'ok'), { accepted: false, reason: 'unknown_request' });
    const result = await p;
    assert.equal(result.status === 'answered' && result.result, 'invalid_credentials');
    // A second connection of the same agent is a different connection: it cannot answer for the first.
    const sa2 = d.connect(a.link);
    sa.grant(1);
    const p2 = d.dispatch(req('r2', ['a1']));
    assert.deepEqual(sa2.answer('r2', 'ok'), { accepted: false, reason: 'wrong_connection' });
    sa.answer('r2', 'ok');
    assert.equal((await p2).status, 'answered');
    d.close();
  });

  test('abort while queued ends the request; credit is capped', async () => {
    const d = createDispatcher<string, string>();
    const s = d.connect(fakeAgent('a1').link);
    const ac = new AbortController();
    const p = d.dispatch({ ...req('r1', ['a1']), signal: ac.signal });
    ac.abort();
    assert.deepEqual(await p, { status: 'aborted' });
    s.grant(1e9);
    assert.equal(s.stats().credits, 1024);
    s.grant(-5);
    s.grant(Number.NaN);
    assert.equal(s.stats().credits, 1024);
    d.close();
  });

  test('close ends every waiting request and refuses new ones', async () => {
    const d = createDispatcher<string, string>();
    const s = d.connect(fakeAgent('a1').link);
    s.grant(1);
    const results: Promise<DispatchResult<string>>[] = [d.dispatch(req('r1', ['a1'])), d.dispatch(req('r2', ['a1']))];
    d.close();
    assert.deepEqual(
      (await Promise.all(results)).map((r) => r.status),
      ['closed', 'closed'],
    );
    assert.deepEqual(await d.dispatch(req('r3', ['a1'])), { status: 'closed' });
  });

  test('a connection that can no longer send (closing) is dropped and the request goes elsewhere, not lost', async () => {
    const d = createDispatcher<string, string>();
    const closing = { agentId: 'a1', tenantId: 't1', domains: undefined, send: () => false };
    const b = fakeAgent('a2');
    d.connect(closing).grant(10);
    const sb = d.connect(b.link);
    sb.grant(1);
    const p = d.dispatch(req('r1', ['a1', 'a2']));
    assert.deepEqual(
      b.sent.map((x) => x.requestId),
      ['r1'],
    );
    assert.equal(d.connections().length, 1);
    sb.answer('r1', 'ok');
    assert.equal((await p).status, 'answered');
    // The only recipient closing: no_agent, at once.
    const only = createDispatcher<string, string>();
    only.connect({ ...closing }).grant(1);
    assert.deepEqual(await only.dispatch(req('r2', ['a1'])), { status: 'no_agent' });
    only.close();
    d.close();
  });
});
