import { DEFAULT_METRICS_NOTED, METRICS, type MetricDef } from './definitions.js';

/** Where the generated part of docs/metrics.md starts and ends. */
export const REFERENCE_START =
  '<!-- metrics-reference:start (generated from src/metrics/definitions.ts) -->';
export const REFERENCE_END = '<!-- metrics-reference:end -->';

const code = (s: string) => `\`${s}\``;

function row(d: MetricDef): string {
  const labels = d.labels.length ? d.labels.map(code).join(', ') : '—';
  const when = d.atScrape ? ' Read at scrape time.' : '';
  const buckets = d.buckets ? ` Buckets: ${d.buckets.join(', ')}.` : '';
  return `| ${code(d.name)} | ${d.type} | ${labels} | ${d.help.replaceAll('|', '\\|')}${when}${buckets} |`;
}

/**
 * The metrics reference of docs/metrics.md, from the registry's own definitions: one
 * table row per metric (name, type, labels, meaning), then the process defaults noted.
 * `node --import tsx scripts/metrics-docs.ts` writes it; a test fails when the file drifts.
 */
export function metricsReference(): string {
  return [
    REFERENCE_START,
    '| metric | type | labels | meaning |',
    '|---|---|---|---|',
    ...Object.values(METRICS).map(row),
    '',
    "prom-client's default process metrics are exported too, among them:",
    '',
    '| metric | type | meaning |',
    '|---|---|---|',
    ...DEFAULT_METRICS_NOTED.map(([name, type, help]) => `| ${code(name)} | ${type} | ${help} |`),
    REFERENCE_END,
  ].join('\n');
}

/** `doc` with its generated section replaced by the current reference. */
export function withReference(doc: string): string {
  const start = doc.indexOf(REFERENCE_START);
  const end = doc.indexOf(REFERENCE_END);
  if (start < 0 || end < start) throw new Error('docs/metrics.md has no reference markers');
  return doc.slice(0, start) + metricsReference() + doc.slice(end + REFERENCE_END.length);
}
