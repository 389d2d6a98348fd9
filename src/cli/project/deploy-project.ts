import { createInterface } from 'node:readline/promises';
import {
  type Change,
  type CodeInfo,
  desiredResources,
  formatPlan,
  isNoop,
  layerCodeKey,
  type Manifest,
  type PackagedCode,
  type Plan,
  packageCode,
  planChanges,
} from '../../manifest/index.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { err, formatBytes, out } from '../output.js';
import { PlanApplier } from './apply.js';
import { Progress } from './progress.js';
import { readServerState } from './server-state.js';

/** Uploads from this size on show a progress bar on a terminal. */
const LARGE_UPLOAD_BYTES = 1024 * 1024;

/** How `nimbus deploy -f` runs. */
export interface DeployOptions {
  yes: boolean;
  prune: boolean;
  dryRun: boolean;
  /** Print unchanged resources too. */
  verbose: boolean;
}

/** A manifest ready to plan: where its code paths start. */
export interface ProjectSource {
  file: string;
  baseDir: string;
  manifest: Manifest;
}

/** Zips every function's code, one progress line each (size and short sha). */
export async function packageAll(
  src: ProjectSource,
  only?: ReadonlySet<string>,
): Promise<Map<string, PackagedCode>> {
  const code = new Map<string, PackagedCode>();
  const names = Object.keys(src.manifest.functions).filter((n) => !only || only.has(n));
  const bar = new Progress();
  let i = 0;
  let total = 0;
  for (const name of names) {
    i++;
    const f = src.manifest.functions[name];
    if (!f) continue;
    bar.step(i, names.length, `packaging ${name} (${f.code})`);
    try {
      const p = await packageCode(src.baseDir, f.code);
      code.set(name, p);
      total += p.sizeBytes;
      bar.done(
        `packaged [${i}/${names.length}] ${name} (${f.code}) ${formatBytes(p.sizeBytes)} sha256 ${p.sha256.slice(0, 12)}`,
      );
    } catch (e) {
      bar.clear();
      throw new CliError(`function ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  for (const [name, l] of Object.entries(only ? {} : (src.manifest.layers ?? {}))) {
    try {
      const p = await packageCode(src.baseDir, l.code);
      code.set(layerCodeKey(name), p);
      total += p.sizeBytes;
      bar.done(
        `packaged layer ${name} (${l.code}) ${formatBytes(p.sizeBytes)} sha256 ${p.sha256.slice(0, 12)}`,
      );
    } catch (e) {
      throw new CliError(`layer ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (names.length > 1) err(`packaged ${names.length} functions: ${formatBytes(total)} in all`);
  return code;
}

/** Reads the server and plans the manifest against it. */
export async function planProject(
  ctx: CliContext,
  src: ProjectSource,
  code: ReadonlyMap<string, CodeInfo>,
  prune: boolean,
): Promise<Plan> {
  const desired = desiredResources(src.manifest, code);
  const functions = new Set(Object.keys(src.manifest.functions));
  const wanted = new Set(desired.map((r) => `${r.kind}\u0000${r.key}`));
  const state = await readServerState(ctx, src.manifest.project, functions, wanted);
  return planChanges(desired, state.resources, { prune, functions });
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

const VERB: Record<Change['action'], string> = {
  create: 'created',
  update: 'updated',
  delete: 'deleted',
  unchanged: 'unchanged',
  kept: 'kept',
};

/**
 * Applies the plan's changes in order, a line per change. On the first
 * failure it prints what was applied and what was not, then throws: a rerun
 * plans again from the server's state, so it converges.
 */
export async function applyPlan(
  ctx: CliContext,
  src: ProjectSource,
  code: ReadonlyMap<string, PackagedCode>,
  plan: Plan,
): Promise<number> {
  const todo = plan.changes.filter((c) => c.action !== 'unchanged' && c.action !== 'kept');
  const layerArns = new Map<string, string>();
  for (const c of plan.changes) {
    if (c.kind === 'layer' && c.current?.ref) layerArns.set(c.key, c.current.ref);
  }
  const applier = new PlanApplier(ctx, { manifest: src.manifest, code, layerArns });
  const done: Change[] = [];
  const bar = new Progress();
  for (const c of todo) {
    const size = c.kind === 'function' ? code.get(c.key)?.sizeBytes : undefined;
    // Only large uploads take long enough to need a bar.
    if (size !== undefined && size >= LARGE_UPLOAD_BYTES && c.action !== 'delete') {
      bar.step(done.length + 1, todo.length, `uploading ${c.key} (${formatBytes(size)})`);
    }
    try {
      const note = await applier.apply(c);
      bar.clear();
      done.push(c);
      out(`${VERB[c.action]} ${c.kind} ${c.key}${note ? ` (${note})` : ''}`);
    } catch (e) {
      bar.clear();
      const left = todo.slice(done.length + 1);
      err(`failed: ${c.action} ${c.kind} ${c.key}: ${e instanceof Error ? e.message : String(e)}`);
      err(`applied ${done.length} of ${todo.length} changes:`);
      for (const d of done) err(`  ${VERB[d.action]} ${d.kind} ${d.key}`);
      err('not applied:');
      for (const l of [c, ...left]) err(`  ${l.action} ${l.kind} ${l.key}`);
      throw new CliError(
        'deploy stopped: fix the problem and run the deploy again; it plans from what is on the server now',
      );
    }
  }
  return done.length;
}

/** `nimbus deploy [-f FILE]`: package → read the server → plan → show → confirm → apply. */
export async function deployProject(
  ctx: CliContext,
  src: ProjectSource,
  opts: DeployOptions,
): Promise<void> {
  const code = await packageAll(src);
  const plan = await planProject(ctx, src, code, opts.prune);
  out(`plan for project ${src.manifest.project} (${src.file}):`);
  out(formatPlan(plan, { verbose: opts.verbose }));
  if (isNoop(plan)) {
    out('nothing to change: the server already matches the manifest');
    return;
  }
  if (opts.dryRun) return;
  if (!opts.yes) {
    if (!process.stdin.isTTY) {
      throw new CliError(
        'not applying: stdin is not a terminal, so nobody can confirm; pass --yes to apply (or --dry-run to only plan)',
      );
    }
    if (!(await confirm('apply these changes? [y/N] '))) {
      out('nothing applied');
      return;
    }
  }
  const n = await applyPlan(ctx, src, code, plan);
  out(`deployed ${src.manifest.project}: ${n} change${n === 1 ? '' : 's'} applied`);
}
