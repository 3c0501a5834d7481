import { z } from 'zod';
import type { SignInLogStore } from './sign-in-log-store.ts';

/**
 * Retention of the sign-in log: records older than `retentionDays` (default 30, like Entra's sign-in logs on most
 * plans) are deleted by a periodic job every `purgeIntervalSeconds` (default 1 h) and once at start. Part of the
 * cloud configuration (`signInLog.retentionDays` / `purgeIntervalSeconds`; global, not per tenant).
 */
export const signInLogRetentionConfigSchema = z.strictObject({
  retentionDays: z.number().int().min(1).max(3650).default(30),
  purgeIntervalSeconds: z.number().int().min(60).max(86_400).default(3600),
});

export type SignInLogRetentionConfig = z.output<typeof signInLogRetentionConfigSchema>;

export interface RetentionJob {
  /** Runs one purge now; resolves to the number of records deleted. */
  runOnce(): Promise<number>;
  /** Stops the timer and waits for a purge in progress. */
  close(): Promise<void>;
}

export function startSignInLogRetention(options: {
  store: SignInLogStore;
  config?: z.input<typeof signInLogRetentionConfigSchema>;
  now?: () => number;
  /** Called after each purge, and with the error when one fails (the job keeps running). */
  onPurge?: (result: { deleted: number } | { error: unknown }) => void;
}): RetentionJob {
  const config = signInLogRetentionConfigSchema.parse(options.config ?? {});
  const now = options.now ?? Date.now;
  let running: Promise<number> | undefined;
  let closed = false;

  const runOnce = (): Promise<number> => {
    running ??= options.store
      .purge(now() - config.retentionDays * 86_400_000)
      .then(
        (deleted) => {
          options.onPurge?.({ deleted });
          return deleted;
        },
        (error: unknown) => {
          options.onPurge?.({ error });
          throw error;
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const timer = setInterval(() => {
    if (!closed) runOnce().catch(() => undefined);
  }, config.purgeIntervalSeconds * 1000);
  // The job must never keep the process alive on its own.
  timer.unref();
  // Also once right after start: a process restarted more often than the interval still purges.
  const first = setTimeout(() => {
    if (!closed) runOnce().catch(() => undefined);
  }, 0);
  first.unref();

  return {
    runOnce,
    async close() {
      closed = true;
      clearInterval(timer);
      clearTimeout(first);
      await running?.catch(() => undefined);
    },
  };
}
