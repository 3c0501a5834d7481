/**
 * Reconnect delays: exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"):
 * delay = random(0, min(max, base * 2^attempt)). Full jitter spreads thousands of agents that lost the cloud at the
 * same instant (a cloud restart) over the whole window instead of letting them return in synchronised waves.
 */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
  /** Uniform in [0, 1); injectable for tests. */
  readonly random?: () => number;
}

export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  const random = options.random ?? Math.random;
  // Never 0: a floor of base/2 keeps a flapping cloud from being hammered in a tight loop.
  return Math.max(Math.floor(options.baseMs / 2), Math.floor(random() * cap));
}
