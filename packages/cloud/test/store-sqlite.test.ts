import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../src/store/index.ts';
import { storeConformance } from './helpers/store-conformance.ts';

storeConformance('sqlite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openpta-store-'));
  const store = openDatabase(`sqlite:${join(dir, 'nested', 'openpta.db')}`);
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

test('openDatabase rejects unknown URLs with what to write instead', () => {
  assert.throws(() => openDatabase('mysql://x'), { code: 'invalid_database_url', message: /sqlite:.*postgres:\/\// });
  assert.throws(() => openDatabase('sqlite:'), { code: 'invalid_database_url' });
});

test('sqlite::memory: works and close is idempotent', async () => {
  const store = openDatabase('sqlite::memory:');
  assert.equal(store.dialect, 'sqlite');
  await store.close();
  await store.close();
});
