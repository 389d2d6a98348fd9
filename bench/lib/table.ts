/** One line of the results table. Values carry their unit in `figure`. */
export interface Row {
  figure: string;
  /** The measured value (Nimbus's unless `subject` names a peer). */
  nimbus: number | null;
  /** Who was measured when it is not Nimbus (a peer: `workerd`, `node:http`, ...). */
  subject?: string;
  /** Why there is no value (`not installed`, `unavailable: ...`), shown in its place. */
  note?: string;
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
  more?: { subject?: string; note?: string },
): Row {
  const ref = reference?.value ?? null;
  const ratio =
    nimbus !== null && ref !== null && ref > 0 ? Math.round((nimbus / ref) * 100) / 100 : null;
  return {
    figure,
    nimbus,
    ...(more?.subject ? { subject: more.subject } : {}),
    ...(more?.note ? { note: more.note } : {}),
    reference: ref,
    referenceName: reference?.name ?? '',
    ratio,
    target: target?.text ?? '—',
    met: target && nimbus !== null && !Number.isNaN(nimbus) ? target.meets(nimbus, ratio) : null,
  };
}

/** A row without a value, saying why (a peer that is not installed, a feature the server lacks). */
export function noteRow(figure: string, note: string, subject?: string): Row {
  return row(figure, null, null, undefined, { note, ...(subject ? { subject } : {}) });
}

/**
 * The rows as a fixed-width text table: figure | who | value | reference | ratio | target |
 * met?; a `title` row (null values, figure only) can head each group of rows.
 */
export function formatTable(rows: Row[]): string {
  const header = ['figure', 'who', 'value', 'reference', 'ratio', 'target', 'met?'];
  const cells = rows.map((r) => [
    r.figure,
    r.subject ?? 'nimbus',
    r.nimbus === null && r.note ? r.note : fmt(r.nimbus),
    r.reference === null ? '—' : `${fmt(r.reference)} (${r.referenceName})`,
    r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`,
    r.target,
    r.met === null ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === 2 || i === 4 ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join(' | ');
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  return [line(header), rule, ...cells.map(line)].join('\n');
}

/** Groups of rows, each under its title, as one table (the columns line up across groups). */
export function formatGroups(groups: { title: string; rows: Row[] }[]): string {
  const all: Row[] = [];
  const titleAt = new Map<number, string>();
  for (const g of groups) {
    titleAt.set(all.length, g.title);
    all.push(...g.rows);
  }
  const lines = formatTable(all).split('\n');
  // lines[0] is the header, lines[1] the rule; row i is lines[i + 2].
  const out = lines.slice(0, 2);
  for (let i = 0; i < all.length; i++) {
    const title = titleAt.get(i);
    if (title !== undefined) out.push(`[${title}]`);
    out.push(lines[i + 2] ?? '');
  }
  return out.join('\n');
}
