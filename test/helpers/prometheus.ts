import parsePrometheusTextFormat, {
  type ParsedFamily,
  type ParsedSample,
} from 'parse-prometheus-text-format';

/** A parsed scrape, read by metric name and labels. */
export interface Scrape {
  families: Map<string, ParsedFamily>;
  /** A counter's or gauge's value for exactly these labels (0 when the series is absent). */
  value(name: string, labels?: Record<string, string>): number;
  /** A histogram series' count and sum for exactly these labels (zeros when absent). */
  histogram(name: string, labels?: Record<string, string>): { count: number; sum: number };
}

const same = (a: Record<string, string> = {}, b: Record<string, string> = {}) => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

/**
 * Parses Prometheus text exposition with a real parser (parse-prometheus-text-format).
 * That parser folds every series of a labelled histogram into one unlabelled sample,
 * so histograms are read from a second pass where they are typed `untyped`: their
 * `_count` and `_sum` lines are then families of their own, labels intact.
 */
export function parseScrape(text: string): Scrape {
  const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
  const untyped = text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped');
  // Untyped, a histogram's `_sum` and `_count` lines alternate: one family per line pair.
  const series = new Map<string, ParsedSample[]>();
  for (const f of parsePrometheusTextFormat(untyped)) {
    series.set(f.name, [...(series.get(f.name) ?? []), ...f.metrics]);
  }
  const sample = (name: string, labels: Record<string, string>) =>
    series.get(name)?.find((m) => same(m.labels, labels));
  return {
    families,
    value: (name, labels = {}) => Number(sample(name, labels)?.value ?? 0),
    histogram: (name, labels = {}) => {
      if (families.get(name)?.type !== 'HISTOGRAM' && families.has(name)) {
        throw new Error(`${name} is not a histogram`);
      }
      return {
        count: Number(sample(`${name}_count`, labels)?.value ?? 0),
        sum: Number(sample(`${name}_sum`, labels)?.value ?? 0),
      };
    },
  };
}
