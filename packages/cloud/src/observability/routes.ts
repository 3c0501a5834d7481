import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Store } from '../store/open-database.ts';
import type { CloudMetrics } from './metrics.ts';

/** Records every request (all scopes: call on the root instance before registering features) in the histogram. */
export function installRequestMetrics(app: FastifyInstance, metrics: CloudMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequestDuration.observe(
      {
        method: request.method,
        // The route pattern, not the URL: bounded label cardinality.
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
}

/**
 * /healthz: liveness (the process serves HTTP). /readyz: readiness (the database answers within 2 s).
 * /metrics: Prometheus text format.
 */
export async function observabilityRoutes(
  app: FastifyInstance,
  { store, metrics, isShuttingDown }: { store: Store; metrics: CloudMetrics; isShuttingDown: () => boolean },
): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    if (isShuttingDown()) return reply.code(503).send({ status: 'shutting_down' });
    try {
      await withTimeout(sql`select 1`.execute(store.db), 2000);
      return { status: 'ready', database: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'not_ready', database: 'unreachable' });
    }
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
