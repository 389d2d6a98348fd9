import type { Row } from './table.js';

/** Everything a row group may use: settings, the repo, and the owner of what it starts. */
export interface BenchContext {
  root: string;
  /** A copy of shared/bench after its install.sh (workerd, serverless-offline). */
  peersDir: string;
  /** CPUs to pin servers (and their instances) and the load generator to; null: unpinned. */
  serverCpus: string | undefined;
  clientCpus: string | null;
  log(msg: string): void;
  /** Registers what stops a child the group started (run last-first: at the end, on a signal, on the time limit). */
  own(stop: () => Promise<void>): void;
  /** A whole number from the environment (`name`), else `def`. */
  int(name: string, def: number): number;
}

/** What a group measured: its table rows, and the raw figures for the results file. */
export interface GroupResult {
  rows: Row[];
  results: unknown;
}

/**
 * One group of rows of `npm run bench` (cold start, warm HTTP, ...). Each starts what it
 * needs, stops it before it returns, and reports a missing peer or feature as a row that
 * says so rather than failing.
 */
export interface BenchGroup {
  /** Short name, used by BENCH_GROUPS=... and as the key in the results file. */
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<GroupResult>;
}

/** Reads a whole number ≥ 0 from the environment. */
export function intEnv(name: string, def: number): number {
  const raw = process.env[name];
  const v = raw === undefined || raw === '' ? def : Number(raw);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a whole number (got ${raw})`);
  return v;
}
