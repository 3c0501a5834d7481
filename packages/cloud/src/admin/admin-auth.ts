import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { CloudError } from '../errors.ts';
import type { Database } from '../store/schema.ts';
import { verifyAdminToken } from './admin-token.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** `admin-token:<id>` once the admin bearer token was verified (for audit events). */
    adminActor?: string;
  }
}

/**
 * The onRequest hook of every admin API scope: a bearer token (RFC 6750) checked against the stored hashes in constant
 * time (verifyAdminToken). Each feature registers its admin routes in its own encapsulated fastify scope, so each adds
 * this hook; one implementation keeps the check and its messages the same everywhere.
 */
export function requireAdminToken(db: Kysely<Database>) {
  return async function adminTokenHook(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([\x21-\x7e]{1,512})$/.exec(header) : null;
    if (!match) {
      reply.header('www-authenticate', 'Bearer realm="openpta-admin"');
      throw new CloudError(
        'unauthorized',
        'admin API needs "Authorization: Bearer <admin token>" (see DATA_DIR/admin.json)',
      );
    }
    const tokenId = await verifyAdminToken(db, match[1]!);
    if (!tokenId) {
      reply.header('www-authenticate', 'Bearer realm="openpta-admin", error="invalid_token"');
      throw new CloudError('unauthorized', 'admin token is not valid');
    }
    request.adminActor = `admin-token:${tokenId}`;
  };
}
