import { seg } from '../api/client';
import { getFunction } from '../api/functions';
import { Link } from '../router';
import { useLoad } from '../ui/hooks';
import { ErrorBox, Loading } from '../ui/parts';
import { InvocationsTab } from './invocations-tab';
import { LogsTab } from './logs-tab';
import { MetricsTab } from './metrics-tab';
import { OverviewTab } from './overview-tab';
import { TestTab } from './test-tab';
import { TriggersTab } from './triggers-tab';
import { VersionsTab } from './versions-tab';

const TABS = [
  ['overview', 'Code & configuration'],
  ['test', 'Test'],
  ['logs', 'Logs'],
  ['invocations', 'Invocations'],
  ['metrics', 'Metrics'],
  ['versions', 'Versions & aliases'],
  ['triggers', 'Triggers'],
] as const;

/** One function: a tab per task. */
export function FunctionPage({ name, tab }: { name: string; tab: string }) {
  const fn = useLoad(() => getFunction(name), [name]);
  const base = `/functions/${seg(name)}`;
  return (
    <section>
      <p class="crumbs">
        <Link href="/">Functions</Link> / <span>{name}</span>
      </p>
      <h1>{name}</h1>
      {fn.data ? (
        <p class="muted summary">
          {fn.data.Configuration.Runtime} · {fn.data.Configuration.MemorySize} MB ·{' '}
          {fn.data.Configuration.Timeout} s · handler <code>{fn.data.Configuration.Handler}</code>
        </p>
      ) : null}
      <nav class="tabs" aria-label="Function">
        {TABS.map(([id, label]) => (
          <Link
            key={id}
            href={id === 'overview' ? base : `${base}/${id}`}
            aria-current={tab === id ? 'page' : undefined}
          >
            {label}
          </Link>
        ))}
      </nav>
      <ErrorBox error={fn.error} />
      {fn.loading && !fn.data ? <Loading what={name} /> : null}
      {fn.data ? (
        <div class="tab-body">
          {tab === 'overview' ? (
            <OverviewTab name={name} fn={fn.data} onChanged={fn.reload} />
          ) : tab === 'test' ? (
            <TestTab name={name} />
          ) : tab === 'logs' ? (
            <LogsTab name={name} />
          ) : tab === 'invocations' ? (
            <InvocationsTab name={name} />
          ) : tab === 'metrics' ? (
            <MetricsTab name={name} />
          ) : tab === 'versions' ? (
            <VersionsTab name={name} />
          ) : tab === 'triggers' ? (
            <TriggersTab name={name} />
          ) : (
            <p>Unknown tab {tab}.</p>
          )}
        </div>
      ) : null}
    </section>
  );
}
