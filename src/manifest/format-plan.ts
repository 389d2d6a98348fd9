import { type Change, countActions, type Plan } from './plan.js';

const SIGN: Record<Change['action'], string> = {
  create: '+',
  update: '~',
  delete: '-',
  unchanged: '=',
  kept: '!',
};

function short(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'string') return v.length > 24 ? `${v.slice(0, 21)}...` : v;
  const text = JSON.stringify(v);
  return text.length > 32 ? `${text.slice(0, 29)}...` : text;
}

/** `memoryMb 128 → 256, code` for an update; a note for the other actions. */
function detail(c: Change): string {
  if (c.action === 'kept') return 'not in the manifest (kept; --prune deletes it)';
  if (c.action !== 'update' || !c.desired || !c.current) return '';
  return c.fields
    .map((f) => {
      if (f === 'codeSha256') return 'code';
      if (f === 'env') return 'env';
      return `${f} ${short(c.current?.spec[f])} → ${short(c.desired?.spec[f])}`;
    })
    .join(', ');
}

/**
 * The plan as the terminal shows it: one line per resource (`+` create, `~`
 * update with the changed fields, `-` delete, `=` unchanged, `!` kept), then a
 * summary line. With `verbose: false` unchanged lines are left out.
 */
export function formatPlan(plan: Plan, opts: { verbose?: boolean } = {}): string {
  const shown = plan.changes.filter((c) => opts.verbose !== false || c.action !== 'unchanged');
  const kindWidth = Math.max(0, ...shown.map((c) => c.kind.length));
  const keyWidth = Math.max(0, ...shown.map((c) => c.key.length));
  const lines = shown.map((c) =>
    `  ${SIGN[c.action]} ${c.kind.padEnd(kindWidth)}  ${c.key.padEnd(keyWidth)}  ${detail(c)}`.trimEnd(),
  );
  const n = countActions(plan);
  const summary = [
    `${n.create} to create`,
    `${n.update} to update`,
    `${n.delete} to delete`,
    `${n.unchanged} unchanged`,
    ...(n.kept ? [`${n.kept} kept`] : []),
  ].join(', ');
  return [...lines, summary].join('\n');
}
