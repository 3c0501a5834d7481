/**
 * Audit events list newest first, and events recorded in the same millisecond list in the reverse order they were
 * recorded (UUIDv7 ids from one process are increasing), on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { listAuditEvents, recordAudit } from '../src/admin/audit.ts';
import { onEveryDatabase } from './sign-in-log-databases.ts';

onEveryDatabase('audit event order', (database) => {
  it('events of one millisecond keep the order they were recorded in', async () => {
    const { store } = database();
    const at = Date.now();
    const target = `test:${at}-${Math.random()}`;
    for (let i = 0; i < 40; i++) {
      await recordAudit(store.db, { actor: 'test', action: `step.${i}`, target }, at);
    }
    await recordAudit(store.db, { actor: 'test', action: 'later', target }, at + 1);
    const mine = (await listAuditEvents(store.db, 1000)).filter((e) => e.target === target);
    assert.deepEqual(
      mine.map((e) => e.action),
      ['later', ...Array.from({ length: 40 }, (_, i) => `step.${39 - i}`)],
    );
  });
});
