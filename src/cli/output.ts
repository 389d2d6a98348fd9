/** Output helpers: results go to stdout, diagnostics to stderr. */

/** Writes a line (or several) to stdout. */
export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Writes a line (or several) to stderr. */
export function err(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** `--json` output: the server's JSON, indented. */
export function printJson(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

/**
 * Aligns rows under a header, two spaces between columns.
 * @example formatTable(['NAME', 'RUNTIME'], [['hello', 'nodejs20.x']])
 */
export function formatTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `label  value` lines with the labels aligned. */
export function formatFields(fields: readonly [string, string][]): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** 1536 → `1.5 KB`. */
export function formatBytes(sizeBytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let n = sizeBytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1).replace(/\.0$/, '')} ${units[i]}`;
}

/** Lambda's `2024-01-01T00:00:00.000+0000` → `2024-01-01 00:00:00 UTC`; other text as is. */
export function formatLambdaTime(text: string | null | undefined): string {
  if (!text) return '-';
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?(?:\+0000|\+00:00|Z)$/.exec(text);
  return m ? `${m[1]} ${m[2]} UTC` : text;
}

/** `worker` or `worker:live` from a function ARN (anything else as is). */
export function functionLabel(arn: string): string {
  return arn.split(':').slice(6).join(':') || arn;
}
