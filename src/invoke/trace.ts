import { randomBytes } from 'node:crypto';

/** An X-Ray style trace header: `Root=1-<8 hex epoch s>-<24 hex>;Parent=<16 hex>;Sampled=0`. */
export function newTraceId(nowMs: number): string {
  const r = randomBytes(20).toString('hex');
  const epoch = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, '0');
  return `Root=1-${epoch}-${r.slice(0, 24)};Parent=${r.slice(24, 40)};Sampled=0`;
}
