/** The attribute cache's bookkeeping (no directory): TTL, indexes used by change tracking, generation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DirectoryAttributes } from '@openpta/protocol';
import { AttributeCache } from '../src/directory/attribute-cache.ts';

const attrs = (guid: string) => ({ objectGuid: guid }) as unknown as DirectoryAttributes;

test('entries expire after cacheMs from the lookup; a token check does not extend that', () => {
  const c = new AttributeCache(1000);
  c.set('Alice@Corp.Test', { attributes: attrs('a'), sid: 's1', tokenKey: 'k' }, 0);
  assert.equal(c.get('alice@corp.test', 999)?.sid, 's1');
  c.markVerified('alice@corp.test', 990);
  assert.equal(c.get('alice@corp.test', 999)?.verifiedAt, 990);
  assert.equal(c.get('alice@corp.test', 1000), undefined);
  assert.equal(c.size, 0);
});

test('a changed user drops its account (by objectSid) and the names it has now (UPN, DOMAIN\\sam)', () => {
  const c = new AttributeCache(60_000);
  c.set('alice@corp.test', { attributes: attrs('a'), sid: 'sa', tokenKey: 'k' }, 0);
  c.set('CORP\\alice', { attributes: attrs('a'), sid: 'sa', tokenKey: 'k' }, 0);
  c.set('bob@corp.test', { attributes: attrs('b'), sid: 'sb', tokenKey: 'k' }, 0);
  c.set('OTHER\\carol', { attributes: attrs('c'), sid: 'sc', tokenKey: 'k' }, 0);
  const g = c.generation;
  assert.equal(c.dropChangedUser('sa', {}), 2);
  assert.ok(c.generation > g);
  assert.equal(c.get('bob@corp.test', 1)?.sid, 'sb');
  // Carol's name moved to another account (sid sx): her entries go by name.
  assert.equal(c.dropChangedUser('sx', { upn: 'nobody@corp.test', sam: 'Carol' }), 1);
  // Bob's UPN is now someone else's.
  assert.equal(c.dropChangedUser('sy', { upn: 'BOB@corp.test' }), 1);
  assert.equal(c.size, 0);
});

test('clear() empties it and moves the generation; cacheMs 0 stores nothing', () => {
  const c = new AttributeCache(60_000);
  c.set('alice@corp.test', { attributes: attrs('a'), sid: 'sa', tokenKey: 'k' });
  const g = c.generation;
  c.clear();
  assert.equal(c.size, 0);
  assert.ok(c.generation > g);
  const off = new AttributeCache(0);
  off.set('alice@corp.test', { attributes: attrs('a'), sid: 'sa', tokenKey: 'k' });
  assert.equal(off.get('alice@corp.test'), undefined);
});
