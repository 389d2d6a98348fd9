import { api, seg } from '../api/client';
import type { InvocationRecord } from '../api/types';
import { Link } from '../router';
import { useLoad } from '../ui/hooks';
import { ErrorBox, Loading, time } from '../ui/parts';

const ms = (v: number | null) => (v === null ? '—' : `${v.toFixed(2)} ms`);

/** One invocation record: outcome, attempts, timings, start type, error and its log lines. */
export function InvocationPage({ id }: { id: string }) {
  const rec = useLoad(
    () =>
      api<{ invocation: InvocationRecord; logs: { timestamp: number; message: string }[] }>(
        `/nimbus/v1/invocations/${seg(id)}`,
      ),
    [id],
  );
  const inv = rec.data?.invocation;
  return (
    <section>
      <p class="crumbs">
        <Link href="/">Functions</Link> /{' '}
        {inv ? (
          <>
            <Link href={`/functions/${seg(inv.functionName)}/invocations`}>{inv.functionName}</Link>{' '}
            /{' '}
          </>
        ) : null}
        <span>invocation</span>
      </p>
      <h1 class="mono wrap">Invocation {id}</h1>
      <ErrorBox error={rec.error} />
      {rec.loading && !rec.data ? <Loading what="the record" /> : null}
      {inv ? (
        <>
          <dl class="card figures wide" aria-label="Record">
            <Item k="Status">
              <span class={`status ${inv.status}`}>{inv.status}</span>
            </Item>
            <Item k="Function">
              <Link href={`/functions/${seg(inv.functionName)}`}>{inv.functionName}</Link>
            </Item>
            <Item k="Version">{inv.version}</Item>
            <Item k="Qualifier">{inv.qualifier ?? '—'}</Item>
            <Item k="Type">{inv.invocationType}</Item>
            <Item k="Source">{inv.source}</Item>
            <Item k="Attempts">{String(inv.attempts)}</Item>
            <Item k="Start type">
              {inv.startType ?? (inv.cold ? 'cold' : inv.cold === false ? 'warm' : '—')}
            </Item>
            <Item k="Created">{time(inv.createdAtMs)}</Item>
            <Item k="Started">{time(inv.startedAtMs)}</Item>
            <Item k="Ended">{time(inv.endedAtMs)}</Item>
            <Item k="Init duration">{ms(inv.initDurationMs)}</Item>
            <Item k="Duration">{ms(inv.durationMs)}</Item>
            <Item k="Billed duration">{ms(inv.billedDurationMs)}</Item>
            <Item k="Max memory used">
              {inv.maxMemoryMb === null ? '—' : `${inv.maxMemoryMb} MB`}
            </Item>
          </dl>
          {inv.errorType || inv.errorMessage ? (
            <section class="card failed" aria-label="Error">
              <h2>Error: {inv.errorType}</h2>
              <pre class="output">{inv.errorMessage}</pre>
            </section>
          ) : null}
          <section class="card" aria-label="Logs">
            <h2>Logs</h2>
            {rec.data!.logs.length === 0 ? (
              <p class="muted">No log lines for this invocation.</p>
            ) : null}
            <pre class="output">
              {rec
                .data!.logs.map((l) => `${time(l.timestamp)} ${l.message.replace(/\n$/, '')}`)
                .join('\n')}
            </pre>
          </section>
        </>
      ) : null}
    </section>
  );
}

function Item({ k, children }: { k: string; children: preact.ComponentChildren }) {
  return (
    <div>
      <dt>{k}</dt>
      <dd>{children}</dd>
    </div>
  );
}
