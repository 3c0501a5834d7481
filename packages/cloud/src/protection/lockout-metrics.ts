import { Counter, type Registry } from 'prom-client';

/** Prometheus counters of the smart lockout (idempotent per registry). */
export interface LockoutMetrics {
  readonly locks: Counter<'counter'>;
  readonly refusals: Counter<'counter' | 'reason'>;
  readonly repeatedPasswords: Counter;
}

export function createLockoutMetrics(registry: Registry): LockoutMetrics {
  const get = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  return {
    locks:
      get<Counter<'counter'>>('openpta_smart_lockout_locks_total') ??
      new Counter({
        name: 'openpta_smart_lockout_locks_total',
        help: 'Smart lockouts started, by counter (familiar, unfamiliar, mfa)',
        labelNames: ['counter'],
        registers: [registry],
      }),
    refusals:
      get<Counter<'counter' | 'reason'>>('openpta_smart_lockout_refusals_total') ??
      new Counter({
        name: 'openpta_smart_lockout_refusals_total',
        help: 'Attempts answered by the smart lockout without contacting an agent, by counter and reason',
        labelNames: ['counter', 'reason'],
        registers: [registry],
      }),
    repeatedPasswords:
      get<Counter>('openpta_smart_lockout_repeated_passwords_total') ??
      new Counter({
        name: 'openpta_smart_lockout_repeated_passwords_total',
        help: 'Wrong passwords not counted again because the same wrong password was tried recently',
        registers: [registry],
      }),
  };
}
