import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { api, seg } from '../api/client';
import type { MetricsAnswer } from '../api/types';
import { useLoad } from '../ui/hooks';
import { ErrorBox, Loading } from '../ui/parts';

const RANGES = [
  { id: '1h', label: '1 hour', ms: 3600_000, periodS: 60 },
  { id: '24h', label: '24 hours', ms: 86_400_000, periodS: 300 },
  { id: '7d', label: '7 days', ms: 7 * 86_400_000, periodS: 3600 },
] as const;

interface SeriesDef {
  label: string;
  pick(p: MetricsAnswer['points'][number]): number | null;
  color: string;
}

const CHARTS: { title: string; unit: string; series: SeriesDef[] }[] = [
  {
    title: 'Invocations, errors and throttles',
    unit: 'count',
    series: [
      { label: 'Invocations', pick: (p) => p.invocations, color: '#2f6fdf' },
      { label: 'Errors', pick: (p) => p.errors, color: '#d33a2c' },
      { label: 'Throttles', pick: (p) => p.throttles, color: '#b8860b' },
    ],
  },
  {
    title: 'Duration (ms)',
    unit: 'ms',
    series: [
      { label: 'p50', pick: (p) => p.p50Ms, color: '#2a9d6a' },
      { label: 'p99', pick: (p) => p.p99Ms, color: '#8e44ad' },
    ],
  },
  {
    title: 'Cold starts',
    unit: 'count',
    series: [{ label: 'Cold starts', pick: (p) => p.coldStarts, color: '#1995ad' }],
  },
];

/** Per-function charts (uPlot) over 1 h / 24 h / 7 d, from the per-minute aggregates. */
export function MetricsTab({ name }: { name: string }) {
  const [range, setRange] = useState<(typeof RANGES)[number]>(RANGES[0]);
  const data = useLoad(
    () =>
      api<MetricsAnswer>(`/nimbus/v1/functions/${seg(name)}/metrics`, {
        query: { since: Date.now() - range.ms, period: range.periodS },
      }),
    [name, range.id],
  );
  const s = data.data?.summary;
  return (
    <section class="card" aria-label="Metrics">
      <h2>Metrics</h2>
      <fieldset class="toolbar range">
        <legend class="sr-only">Range</legend>
        {RANGES.map((r) => (
          <button
            key={r.id}
            type="button"
            aria-pressed={r.id === range.id}
            onClick={() => setRange(r)}
          >
            {r.label}
          </button>
        ))}
        <button type="button" onClick={data.reload}>
          Refresh
        </button>
      </fieldset>
      <ErrorBox error={data.error} />
      {data.loading && !data.data ? <Loading what="metrics" /> : null}
      {s ? (
        <dl class="figures" aria-label="Summary">
          <div>
            <dt>Invocations</dt>
            <dd>{s.invocations}</dd>
          </div>
          <div>
            <dt>Errors</dt>
            <dd>{s.errors}</dd>
          </div>
          <div>
            <dt>Throttles</dt>
            <dd>{s.throttles}</dd>
          </div>
          <div>
            <dt>Cold starts</dt>
            <dd>{s.coldStarts}</dd>
          </div>
          <div>
            <dt>p50</dt>
            <dd>{s.p50Ms === null ? '—' : `${s.p50Ms} ms`}</dd>
          </div>
          <div>
            <dt>p99</dt>
            <dd>{s.p99Ms === null ? '—' : `${s.p99Ms} ms`}</dd>
          </div>
        </dl>
      ) : null}
      {data.data
        ? CHARTS.map((c) => (
            <Chart
              key={`${c.title}-${range.id}`}
              title={c.title}
              series={c.series}
              answer={data.data!}
            />
          ))
        : null}
    </section>
  );
}

function Chart(props: { title: string; series: SeriesDef[]; answer: MetricsAnswer }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const pts = props.answer.points;
    const aligned: uPlot.AlignedData = [
      pts.map((p) => p.time / 1000),
      ...props.series.map((s) => pts.map((p) => s.pick(p))),
    ];
    const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
    const axis = {
      stroke: dark ? '#c9d1d9' : '#333',
      grid: { stroke: dark ? '#30363d' : '#e5e5e5' },
    };
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 200,
        series: [
          {},
          ...props.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            spanGaps: false,
            // Sparse minutes would draw no line: a dot shows each figure.
            points: { show: true, size: 5 },
          })),
        ],
        axes: [axis, axis],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max ?? 1)] } },
      },
      aligned,
      el,
    );
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(280, el.clientWidth), height: 200 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.answer, props.series]);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
