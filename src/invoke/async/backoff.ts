/**
 * Delay before retry number `attempt` (1-based): exponential from `baseMs`
 * (Lambda waits about 1 minute, then 2), with ±20 % jitter so retries of many
 * events do not arrive together.
 */
export function retryDelayMs(
  attempt: number,
  baseMs: number,
  random: () => number = Math.random,
): number {
  const exp = baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.round(exp * (0.8 + 0.4 * random()));
}

/** Delay before trying a throttled event again: short, jittered, not counted as an attempt. */
export function throttleDelayMs(random: () => number = Math.random): number {
  return Math.round(100 + 400 * random());
}
