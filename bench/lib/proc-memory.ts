import { readdirSync, readFileSync } from 'node:fs';

/** Memory of one process, from /proc (KiB figures converted to MB = 2^20 bytes). */
export interface ProcMemory {
  pid: number;
  comm: string;
  rssMb: number;
  /** Proportional set size: shared pages split between their users. */
  pssMb: number;
  /** Unique set size (Private_Clean + Private_Dirty): what the OS gets back when it exits. */
  ussMb: number;
}

function statFields(pid: number): { comm: string; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    // After "comm) " come state, ppid, ...
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    return { comm, ppid };
  } catch {
    return null; // gone meanwhile
  }
}

function kbField(text: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

const mb = (kb: number) => Math.round((kb / 1024) * 100) / 100;

/** RSS, PSS and USS of one process, or null if it has gone (smaps_rollup needs Linux ≥ 4.14). */
export function procMemory(pid: number): ProcMemory | null {
  const st = statFields(pid);
  if (!st) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return {
      pid,
      comm: st.comm,
      rssMb: mb(kbField(status, 'VmRSS')),
      pssMb: mb(kbField(rollup, 'Pss')),
      ussMb: mb(kbField(rollup, 'Private_Clean') + kbField(rollup, 'Private_Dirty')),
    };
  } catch {
    return null;
  }
}

/** A process and its descendants, as a tree. */
export interface ProcNode {
  pid: number;
  comm: string;
  children: ProcNode[];
}

/**
 * The live descendants of `pid`, found by scanning every /proc/<pid>/stat for
 * its parent (the `children` files list only what each thread forked).
 */
export function childTrees(pid: number): ProcNode[] {
  const byParent = new Map<number, { pid: number; comm: string }[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = statFields(Number(d));
    if (!st) continue;
    const list = byParent.get(st.ppid) ?? [];
    list.push({ pid: Number(d), comm: st.comm });
    byParent.set(st.ppid, list);
  }
  const build = (p: { pid: number; comm: string }): ProcNode => ({
    ...p,
    children: (byParent.get(p.pid) ?? []).map(build),
  });
  return (byParent.get(pid) ?? []).map(build);
}

/** Every process of a tree, parents first. */
export function flatten(tree: ProcNode): ProcNode[] {
  return [tree, ...tree.children.flatMap(flatten)];
}

/** The tree drawn on one line, e.g. `bwrap(12) → bwrap(13) → node(14)`. */
export function describeTree(tree: ProcNode): string {
  const kids = tree.children.map(describeTree);
  const self = `${tree.comm}(${tree.pid})`;
  if (kids.length === 0) return self;
  if (kids.length === 1) return `${self} → ${kids[0]}`;
  return `${self} → [${kids.join(', ')}]`;
}
