/** Prometheus metrics of one validator (its own registry, so several validators and tests do not collide). */
import { Counter, Histogram, Registry } from 'prom-client';

export interface DirectoryMetrics {
  readonly registry: Registry;
  readonly outcomes: Counter<'operation' | 'outcome'>;
  /** Incremented immediately before a user bind (or password change) is written to a DC. */
  readonly userBinds: Counter<'dc'>;
  readonly duration: Histogram<'operation'>;
  readonly dcDown: Counter<'dc' | 'reason'>;
  /** Verified attribute cache results: hit, miss, token_changed, account_changed, unverifiable. */
  readonly attributeCache: Counter<'result'>;
  /** Cache entries dropped by the change watcher: user_changed, group_changed, dc_changed. */
  readonly attributeCacheDrops: Counter<'reason'>;
  /** Change tracking polls of the DC (change-watcher.ts): ok, failed. */
  readonly changePolls: Counter<'result'>;
}

export function createDirectoryMetrics(registry = new Registry()): DirectoryMetrics {
  return {
    registry,
    outcomes: new Counter({
      name: 'openpta_agent_directory_outcomes_total',
      help: 'Validation and password change outcomes',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    }),
    userBinds: new Counter({
      name: 'openpta_agent_user_credential_checks_total',
      help: 'User binds and password changes sent to a DC (one per attempt at most)',
      labelNames: ['dc'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'openpta_agent_directory_duration_seconds',
      help: 'Time per validation or password change',
      labelNames: ['operation'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    dcDown: new Counter({
      name: 'openpta_agent_dc_marked_down_total',
      help: 'Times a DC was marked unhealthy after a transport failure',
      labelNames: ['dc', 'reason'],
      registers: [registry],
    }),
    attributeCache: new Counter({
      name: 'openpta_agent_attribute_cache_total',
      help: 'Sign-ins answered from the verified attribute cache (hit) or looked up (miss, token_changed, account_changed, unverifiable)',
      labelNames: ['result'],
      registers: [registry],
    }),
    attributeCacheDrops: new Counter({
      name: 'openpta_agent_attribute_cache_dropped_total',
      help: 'Attribute cache entries dropped because the directory changed (user_changed, group_changed, dc_changed)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    changePolls: new Counter({
      name: 'openpta_agent_change_tracking_polls_total',
      help: 'Polls of the DC for changed users and groups (attribute cache change tracking), by result (ok, failed)',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}
