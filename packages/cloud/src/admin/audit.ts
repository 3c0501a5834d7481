import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../store/schema.ts';

export interface AuditEvent {
  id: string;
  time: number;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

/** Appends one audit event. `details` must never hold a secret (client secrets and tokens are left out by callers). */
export async function recordAudit(
  db: Kysely<Database>,
  event: { actor: string; action: string; target: string; details?: Record<string, unknown> },
  now = Date.now(),
): Promise<AuditEvent> {
  const row = {
    // UUIDv7 (RFC 9562) from the clock: uuid keeps it increasing within one millisecond in this process, so events of
    // the same millisecond list in the order they were recorded (a random v4 id gave them no defined order).
    id: uuidv7(),
    time: now,
    actor: event.actor,
    action: event.action,
    target: event.target,
    details: JSON.stringify(event.details ?? {}),
  };
  await db.insertInto('audit_events').values(row).execute();
  return { ...row, details: event.details ?? {} };
}

export async function listAuditEvents(db: Kysely<Database>, limit = 100): Promise<AuditEvent[]> {
  const rows = await db
    .selectFrom('audit_events')
    .selectAll()
    .orderBy('time', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, time: Number(r.time), details: JSON.parse(r.details) as Record<string, unknown> }));
}
