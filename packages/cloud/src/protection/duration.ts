import { ProtectionError } from './errors.ts';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * Parses an operator-written duration such as `90`, `60s`, `15m`, `2h` or `30d` into whole seconds. A bare number
 * is seconds. Refuses zero, negatives, fractions and anything above ten years so a typo cannot disable a lockout.
 */
export function parseDurationSeconds(input: string | number): number {
  const text = String(input).trim();
  const match = /^(\d{1,9})\s*([smhd]?)$/i.exec(text);
  if (!match) {
    throw new ProtectionError(
      'ERR_DURATION_INVALID',
      `invalid duration "${text}": use a whole number with an optional unit s, m, h or d (for example 60s or 15m)`,
    );
  }
  const seconds = Number(match[1]) * (UNIT_SECONDS[(match[2] || 's').toLowerCase()] ?? 1);
  if (seconds < 1 || seconds > 10 * 365 * 86_400) {
    throw new ProtectionError('ERR_DURATION_INVALID', `invalid duration "${text}": must be between 1s and 3650d`);
  }
  return seconds;
}

/** The shortest readable form of a number of seconds (`3600` -> `1h`), the inverse of parseDurationSeconds. */
export function formatDurationSeconds(seconds: number): string {
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
