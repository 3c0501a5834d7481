/**
 * A logger that forwards to a pino logger supplied later. The channel's verifier and gateway exist before the cloud
 * app (the sign-in plugin needs the verifier at build time) but must log through the app's logger, which exists only
 * once the app is built. Children are resolved once per target logger, so the hot path costs one comparison.
 */
import { type Logger, pino } from 'pino';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
const LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

export interface LateLogger {
  readonly logger: Logger;
  bind(target: Logger): void;
}

export function createLateLogger(): LateLogger {
  let target: Logger = pino({ level: 'silent' });
  function forwarder(bindings: readonly Record<string, unknown>[]): Logger {
    let resolvedFor: Logger | undefined;
    let resolved: Logger = target;
    const current = (): Logger => {
      if (resolvedFor !== target) {
        resolvedFor = target;
        resolved = bindings.reduce<Logger>((l, b) => l.child(b), target);
      }
      return resolved;
    };
    const out: Record<string, unknown> = {
      child: (b: Record<string, unknown>) => forwarder([...bindings, b]),
      isLevelEnabled: (level: string) => current().isLevelEnabled(level),
    };
    for (const level of LEVELS) {
      out[level] = (...args: unknown[]) => (current()[level] as (...a: unknown[]) => void)(...args);
    }
    Object.defineProperty(out, 'level', { get: () => current().level });
    return out as unknown as Logger;
  }
  return {
    logger: forwarder([]),
    bind(next) {
      target = next;
    },
  };
}
