/** Sign-in metrics on the platform's Prometheus registry. */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface SignInMetrics {
  readonly attempts: Counter<'outcome'>;
  readonly duration: Histogram<'outcome'>;
  readonly passwordChanges: Counter<'outcome'>;
}

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

/** Idempotent per registry (a second sign-in plugin on the same registry reuses the metrics). */
export function createSignInMetrics(registry: Registry): SignInMetrics {
  const attempts =
    existing<Counter<'outcome'>>(registry, 'openpta_signins_total') ??
    new Counter({
      name: 'openpta_signins_total',
      help: 'Password sign-in attempts by outcome (invalid_credentials includes unknown users and foreign domains; locked_out and rate_limited were answered by the cloud without the directory)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  const duration =
    existing<Histogram<'outcome'>>(registry, 'openpta_signin_duration_seconds') ??
    new Histogram({
      name: 'openpta_signin_duration_seconds',
      help: 'Time from receiving the sign-in form to the answer, seconds, by outcome',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers: [registry],
    });
  const passwordChanges =
    existing<Counter<'outcome'>>(registry, 'openpta_password_changes_total') ??
    new Counter({
      name: 'openpta_password_changes_total',
      help: 'Password changes at sign-in by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    });
  return { attempts, duration, passwordChanges };
}
