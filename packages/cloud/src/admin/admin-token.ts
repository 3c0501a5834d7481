import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { recordAudit } from './audit.ts';

const PREFIX = 'opta_admin_';

export function hashAdminToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Creates the first admin token when none exists and returns it (the only time it is available in clear);
 * returns undefined when a token already exists. Only its SHA-256 is stored: the token has 256 bits of entropy, so a
 * fast hash is enough (no password-style stretching needed).
 */
export async function ensureAdminToken(db: Kysely<Database>, now = Date.now()): Promise<string | undefined> {
  const existing = await db.selectFrom('admin_tokens').select('id').limit(1).executeTakeFirst();
  if (existing) return undefined;
  return (await issueAdminToken(db, { actor: 'system', now })).token;
}

/**
 * Issues a new admin token (audited); with `revokeOthers` every other token stops working in the same transaction.
 * Used at first start and by `openpta admin token reset` (recovery on the server host when the token is lost).
 */
export async function issueAdminToken(
  db: Kysely<Database>,
  { actor, revokeOthers = false, now = Date.now() }: { actor: string; revokeOthers?: boolean; now?: number },
): Promise<{ id: string; token: string; revoked: number }> {
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  const id = randomUUID();
  let revoked = 0;
  await db.transaction().execute(async (trx) => {
    if (revokeOthers) revoked = Number((await trx.deleteFrom('admin_tokens').executeTakeFirst()).numDeletedRows);
    await trx
      .insertInto('admin_tokens')
      .values({ id, token_hash: hashAdminToken(token), created_at: now })
      .execute();
    await recordAudit(
      trx,
      {
        actor,
        action: revokeOthers ? 'admin_token.reset' : 'admin_token.create',
        target: `admin-token:${id}`,
        details: { revoked },
      },
      now,
    );
  });
  return { id, token, revoked };
}

/**
 * The id of the stored token `presented` matches, or undefined. Every stored hash is compared with timingSafeEqual over fixed-length
 * digests, and all of them are compared, so timing reveals neither which one matched nor how much of a guess was right.
 */
export async function verifyAdminToken(db: Kysely<Database>, presented: string): Promise<string | undefined> {
  const digest = Buffer.from(hashAdminToken(presented), 'hex');
  const rows = await db.selectFrom('admin_tokens').select(['id', 'token_hash']).execute();
  let matched: string | undefined;
  for (const row of rows) {
    const stored = Buffer.from(row.token_hash, 'hex');
    if (stored.length === digest.length && timingSafeEqual(stored, digest)) matched = row.id;
  }
  return matched;
}
