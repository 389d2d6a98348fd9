import { FUNCTION_SETTINGS, KINDS, type Resource, type ResourceKind } from './resources.js';

export type ChangeAction = 'create' | 'update' | 'delete' | 'unchanged' | 'kept';

/** One line of a plan: what happens to one resource, and for an update which fields differ. */
export interface Change {
  action: ChangeAction;
  kind: ResourceKind;
  key: string;
  desired?: Resource;
  current?: Resource;
  /** Updated fields, in spec order. */
  fields: string[];
}

/** A plan: every change in apply order. */
export interface Plan {
  changes: Change[];
}

/** Stable JSON (sorted object keys), so key order never reads as a change. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** The fields of `desired.spec` whose values differ from `current.spec`. */
export function changedFields(desired: Resource, current: Resource): string[] {
  return Object.keys(desired.spec).filter(
    (k) => canonical(desired.spec[k]) !== canonical(current.spec[k]),
  );
}

const order = (k: ResourceKind) => KINDS.indexOf(k);

/**
 * Compares what the manifest wants with what the server has. `current`
 * holds the project's own resources plus any that share a key with a desired
 * one. Without `prune`, owned resources the manifest no longer has are
 * `kept`; with it they are deleted. Settings of a function in the manifest
 * (reserved concurrency, async config, URL) are removed when its entry drops them.
 * Buckets (they hold data) and services are never deleted.
 *
 * Changes come in apply order: deletes first (triggers before functions
 * before queues), then creates and updates (queues before functions before triggers).
 */
export function planChanges(
  desired: readonly Resource[],
  current: readonly Resource[],
  opts: { prune: boolean; functions: ReadonlySet<string> },
): Plan {
  const id = (r: Resource) => `${r.kind}\u0000${r.key}`;
  const now = new Map(current.map((r) => [id(r), r]));
  const wanted = new Set(desired.map(id));
  const deletes: Change[] = [];
  for (const c of current) {
    if (wanted.has(id(c))) continue;
    const setting = FUNCTION_SETTINGS.has(c.kind) && c.fn !== undefined && opts.functions.has(c.fn);
    if (!setting && !c.owned) continue;
    const action: ChangeAction =
      setting || (opts.prune && c.kind !== 'bucket' && c.kind !== 'service') ? 'delete' : 'kept';
    deletes.push({ action, kind: c.kind, key: c.key, current: c, fields: [] });
  }
  deletes.sort((a, b) => order(b.kind) - order(a.kind) || a.key.localeCompare(b.key));
  const rest: Change[] = desired.map((d) => {
    const c = now.get(id(d));
    if (!c) return { action: 'create', kind: d.kind, key: d.key, desired: d, fields: [] };
    const fields = changedFields(d, c);
    return {
      action: fields.length ? 'update' : 'unchanged',
      kind: d.kind,
      key: d.key,
      desired: d,
      current: c,
      fields,
    };
  });
  rest.sort((a, b) => order(a.kind) - order(b.kind));
  return { changes: [...deletes, ...rest] };
}

/** How many changes of each action a plan has. */
export function countActions(plan: Plan): Record<ChangeAction, number> {
  const n: Record<ChangeAction, number> = {
    create: 0,
    update: 0,
    delete: 0,
    unchanged: 0,
    kept: 0,
  };
  for (const c of plan.changes) n[c.action]++;
  return n;
}

/** True when applying the plan would send nothing to the server. */
export function isNoop(plan: Plan): boolean {
  return plan.changes.every((c) => c.action === 'unchanged' || c.action === 'kept');
}
