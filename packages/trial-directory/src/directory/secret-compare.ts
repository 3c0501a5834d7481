/** Constant-time password comparison: hash both sides to a fixed length first, so neither length nor content leaks. */
import { createHash, timingSafeEqual } from 'node:crypto';

export function passwordsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
