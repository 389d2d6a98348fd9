/**
 * An X-Ray style trace header, `Root=1-<8 hex epoch s>-<24 hex>;Parent=<16 hex>;Sampled=0`,
 * derived from the request id's random hex (no fresh random bytes on the hot path).
 */
export function newTraceId(nowMs: number, requestId: string): string {
  const hex = requestId.replaceAll('-', '').padEnd(32, '0');
  const epoch = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, '0');
  return `Root=1-${epoch}-${hex.slice(0, 24)};Parent=${hex.slice(16, 32)};Sampled=0`;
}
