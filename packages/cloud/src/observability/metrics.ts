import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * The service's Prometheus registry. One per app instance (not prom-client's global register) so several apps in one
 * process (tests) do not collide. Feature owners add their metrics with `registers: [metrics.registry]`, e.g.
 * `new Counter({ name: 'openpta_signins_total', help: '...', labelNames: ['outcome'], registers: [metrics.registry] })`.
 */
export interface CloudMetrics {
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
}

export function createMetrics(): CloudMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpRequestDuration = new Histogram({
    name: 'openpta_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, httpRequestDuration };
}
