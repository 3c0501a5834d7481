/**
 * Polls `check` until it holds, for tests that wait on something another process or socket does (an agent
 * connecting, a counter flushing). Fails with what it was waiting for, so a timeout names its cause. The timeout
 * only bounds a failing test; a passing one returns as soon as the condition holds.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
