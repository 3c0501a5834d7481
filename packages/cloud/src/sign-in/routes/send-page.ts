import type { FastifyReply } from 'fastify';
import type { Tenant } from '../../tenants/index.ts';
import { messagePage } from '../pages/index.ts';

export function sendPage(reply: FastifyReply, status: number, page: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page);
}

/** 429 with Retry-After: the rate limiter or the lockout (password or second factor) said no. */
export function sendTooMany(reply: FastifyReply, tenant: Tenant, retryAfterSeconds: number): void {
  reply.header('retry-after', String(retryAfterSeconds));
  sendPage(
    reply,
    429,
    messagePage({
      title: 'Too many attempts',
      tenantDisplayName: tenant.displayName,
      alert: { message: `Too many sign-in attempts. Wait ${retryAfterSeconds} seconds, then try again.` },
    }),
  );
}
