/** One line of the results table. Values carry their unit in `figure`. */
export interface Row {
  figure: string;
  nimbus: number | null;
  reference: number | null;
  /** What the reference is, e.g. `node -e 0`. */
  referenceName: string;
  /** nimbus / reference, when both exist. */
  ratio: number | null;
  /** Human-readable target, `—` when there is none. */
  target: string;
  /** Whether the target is met; null when there is no target. */
  met: boolean | null;
}

/** Formats a figure to a readable precision (3 significant-ish digits). */
export function fmt(v: number | null): string {
  if (v === null || Number.isNaN(v)) return '—';
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

/** A row, with the ratio computed and the target checked by `meets` (given nimbus and ratio). */
export function row(
  figure: string,
  nimbus: number | null,
  reference: { value: number | null; name: string } | null,
  target?: { text: string; meets(nimbus: number, ratio: number | null): boolean },
): Row {
  const ref = reference?.value ?? null;
  const ratio =
    nimbus !== null && ref !== null && ref > 0 ? Math.round((nimbus / ref) * 100) / 100 : null;
  return {
    figure,
    nimbus,
    reference: ref,
    referenceName: reference?.name ?? '',
    ratio,
    target: target?.text ?? '—',
    met: target && nimbus !== null && !Number.isNaN(nimbus) ? target.meets(nimbus, ratio) : null,
  };
}

/** The rows as a fixed-width text table: figure | nimbus | reference | ratio | target | met? */
export function formatTable(rows: Row[]): string {
  const header = ['figure', 'nimbus', 'reference', 'ratio', 'target', 'met?'];
  const cells = rows.map((r) => [
    r.figure,
    fmt(r.nimbus),
    r.reference === null ? '—' : `${fmt(r.reference)} (${r.referenceName})`,
    r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`,
    r.target,
    r.met === null ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === 1 || i === 3 ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join(' | ');
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  return [line(header), rule, ...cells.map(line)].join('\n');
}
