import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { ProtectionError } from '../protection/errors.ts';
import type { Database, SignInLogTable } from '../store/schema.ts';
import {
  MFA_METHODS,
  SIGN_IN_RESULTS,
  type SignInLogEntryInput,
  type SignInLogRecord,
  signInLogEntrySchema,
} from './record.ts';

/** Filters for a sign-in log query; `cursor` continues a previous page (newest first). */
export const signInLogQuerySchema = z.strictObject({
  tenantId: z.string().min(1).max(200),
  /** Matches the typed username (case-insensitively) or the user id. */
  user: z.string().trim().min(1).max(256).optional(),
  /** Matches what the user saw (`result`) or the agent's outcome. */
  outcome: z.string().trim().min(1).max(64).optional(),
  /** Epoch ms: only records at or after this time. */
  since: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(512).optional(),
});

export type SignInLogQuery = z.input<typeof signInLogQuerySchema>;
export interface SignInLogPage {
  records: SignInLogRecord[];
  /** Pass as `cursor` for the next (older) page; null when this is the last page. */
  nextCursor: string | null;
}

export class SignInLogStore {
  readonly #db: Kysely<Database>;
  readonly #now: () => number;

  constructor(db: Kysely<Database>, options: { now?: () => number } = {}) {
    this.#db = db;
    this.#now = options.now ?? Date.now;
  }

  /** Validates and appends one record; refuses anything the schema does not name (no password can slip in). */
  async insert(input: SignInLogEntryInput): Promise<SignInLogRecord> {
    const parsed = signInLogEntrySchema.safeParse(input);
    if (!parsed.success) {
      throw new ProtectionError(
        'ERR_SIGN_IN_LOG_RECORD_INVALID',
        `invalid sign-in log record: ${z.prettifyError(parsed.error).replaceAll('\n', '; ')}`,
      );
    }
    const e = parsed.data;
    const row: SignInLogTable = {
      id: randomUUID(),
      time: e.time ?? this.#now(),
      tenant_id: e.tenantId,
      username: e.username,
      user_id: e.userId,
      client_id: e.clientId,
      ip: e.ip,
      user_agent: e.userAgent,
      stage: e.stage,
      agent_outcome: e.agentOutcome,
      result: e.result,
      agent_id: e.agentId,
      dc: e.dc,
      queue_ms: e.timings.queueMs,
      agent_ms: e.timings.agentMs,
      directory_ms: e.timings.directoryMs,
      total_ms: e.timings.totalMs,
      mfa_method: e.mfaMethod,
      correlation_id: e.correlationId,
    };
    await this.#db.insertInto('sign_in_log').values(row).execute();
    return toRecord(row);
  }

  /** Newest first, paged with an opaque cursor on (time, id), so inserts during paging never repeat or skip rows. */
  async query(input: SignInLogQuery): Promise<SignInLogPage> {
    const parsed = signInLogQuerySchema.safeParse(input);
    if (!parsed.success) {
      throw new ProtectionError(
        'ERR_SIGN_IN_LOG_QUERY_INVALID',
        `invalid sign-in log query: ${z.prettifyError(parsed.error).replaceAll('\n', '; ')}`,
      );
    }
    const q = parsed.data;
    let query = this.#db.selectFrom('sign_in_log').selectAll().where('tenant_id', '=', q.tenantId);
    if (q.user !== undefined) {
      const user = q.user;
      query = query.where((eb) =>
        eb.or([eb(eb.fn('lower', ['username']), '=', user.toLowerCase()), eb('user_id', '=', user)]),
      );
    }
    if (q.outcome !== undefined) {
      const outcome = q.outcome;
      query = query.where((eb) => eb.or([eb('result', '=', outcome), eb('agent_outcome', '=', outcome)]));
    }
    if (q.since !== undefined) query = query.where('time', '>=', q.since);
    if (q.cursor !== undefined) {
      const [time, id] = decodeCursor(q.cursor);
      query = query.where((eb) => eb.or([eb('time', '<', time), eb.and([eb('time', '=', time), eb('id', '<', id)])]));
    }
    const rows = await query
      .orderBy('time', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
      .execute();
    const page = rows.slice(0, q.limit).map(toRecord);
    const last = page.at(-1);
    return { records: page, nextCursor: rows.length > q.limit && last ? encodeCursor(last.time, last.id) : null };
  }

  /**
   * Deletes records older than `olderThan` (epoch ms) in batches, so a large purge never holds one long lock.
   * Returns how many were deleted.
   */
  async purge(olderThan: number, batchSize = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.#db
        .deleteFrom('sign_in_log')
        .where('id', 'in', (eb) =>
          eb.selectFrom('sign_in_log').select('id').where('time', '<', olderThan).limit(batchSize),
        )
        .executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }
}

function toRecord(row: SignInLogTable): SignInLogRecord {
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: row.id,
    time: Number(row.time),
    tenantId: row.tenant_id,
    username: row.username,
    userId: row.user_id,
    clientId: row.client_id,
    ip: row.ip,
    userAgent: row.user_agent,
    stage: row.stage as SignInLogRecord['stage'],
    agentOutcome: row.agent_outcome as SignInLogRecord['agentOutcome'],
    result: (SIGN_IN_RESULTS as readonly string[]).includes(row.result)
      ? (row.result as SignInLogRecord['result'])
      : 'bad_request',
    agentId: row.agent_id,
    dc: row.dc,
    timings: {
      queueMs: num(row.queue_ms),
      agentMs: num(row.agent_ms),
      directoryMs: num(row.directory_ms),
      totalMs: num(row.total_ms),
    },
    mfaMethod: (MFA_METHODS as readonly string[]).includes(row.mfa_method ?? '')
      ? (row.mfa_method as SignInLogRecord['mfaMethod'])
      : null,
    correlationId: row.correlation_id,
  };
}

function encodeCursor(time: number, id: string): string {
  return Buffer.from(JSON.stringify([time, id])).toString('base64url');
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === 'string' &&
      value[1].length <= 200
    ) {
      return [value[0] as number, value[1]];
    }
  } catch {
    // Falls through to the typed error.
  }
  throw new ProtectionError('ERR_SIGN_IN_LOG_CURSOR_INVALID', 'invalid cursor: pass the nextCursor of a previous page');
}
