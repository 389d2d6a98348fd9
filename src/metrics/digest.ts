/**
 * A mergeable duration digest: log buckets of relative width ~10 % (DDSketch's idea),
 * so any quantile is read back within about 5 % of the true value, and digests of
 * many minutes add up bucket by bucket.
 */
const GAMMA = 1.1;
const LOG_GAMMA = Math.log(GAMMA);
/** Durations below this (ms) share the lowest bucket. */
const MIN_MS = 0.01;
/** Keeps every index positive (ceil(log_γ 0.01) is -48). */
const OFFSET = 64;

/** Bucket counts by index (a JSON object once stored). */
export type Digest = Record<string, number>;

/** The bucket a duration (ms) falls in. */
export function digestIndex(durationMs: number): number {
  return Math.ceil(Math.log(Math.max(MIN_MS, durationMs)) / LOG_GAMMA) + OFFSET;
}

/** Counts one duration (ms) into `d`. */
export function digestAdd(d: Digest, durationMs: number): void {
  const i = digestIndex(durationMs);
  d[i] = (d[i] ?? 0) + 1;
}

/** Adds `from` into `into`. */
export function digestMerge(into: Digest, from: Digest): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

/**
 * The `q` quantile (0..1) of the durations counted, in ms; null when empty.
 * @example digestQuantile(d, 0.99) // p99
 */
export function digestQuantile(d: Digest, q: number): number | null {
  const entries = Object.entries(d)
    .map(([k, n]) => [Number(k), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [i, n] of entries) {
    seen += n;
    if (seen >= rank) {
      // The bucket (γ^(i-1), γ^i] is represented by the point of least relative error.
      const upper = GAMMA ** (i - OFFSET);
      return upper === MIN_MS ? MIN_MS : (2 * upper) / (GAMMA + 1);
    }
  }
  return null;
}
