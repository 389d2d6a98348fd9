import { useState } from 'preact/hooks';
import { api, seg } from '../api/client';
import type { DeadLetter, InvocationRecord } from '../api/types';
import { Link } from '../router';
import { useAction, useLoad } from '../ui/hooks';
import { ErrorBox, Field, Loading, TableWrap, time } from '../ui/parts';

const STATUSES = ['', 'succeeded', 'failed', 'running', 'queued', 'retrying', 'dead-lettered'];

/** Invocation records with a status filter, and the dead-letter list with redrive. */
export function InvocationsTab({ name }: { name: string }) {
  const [status, setStatus] = useState('');
  const records = useLoad(
    () =>
      api<{ invocations: InvocationRecord[] }>('/nimbus/v1/invocations', {
        query: { function: name, status: status || undefined, limit: 100 },
      }).then((r) => r.invocations),
    [name, status],
  );
  return (
    <>
      <section class="card" aria-label="Invocations">
        <h2>Invocations</h2>
        <form class="toolbar" onSubmit={(e) => e.preventDefault()}>
          <Field label="Status">
            <select name="status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s || 'any'}
                </option>
              ))}
            </select>
          </Field>
          <button type="button" onClick={records.reload}>
            Refresh
          </button>
        </form>
        <ErrorBox error={records.error} />
        {records.loading && !records.data ? <Loading what="invocations" /> : null}
        {records.data?.length === 0 ? (
          <p class="empty">No invocations{status ? ` with status ${status}` : ''}.</p>
        ) : null}
        {records.data?.length ? <RecordsTable records={records.data} /> : null}
      </section>
      <DeadLetters name={name} onRedriven={records.reload} />
    </>
  );
}

export function RecordsTable({ records }: { records: InvocationRecord[] }) {
  return (
    <TableWrap label="Invocation records">
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Request id</th>
            <th scope="col">Status</th>
            <th scope="col">Type</th>
            <th scope="col">Start</th>
            <th scope="col" class="num">
              Duration
            </th>
            <th scope="col">When</th>
          </tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr key={r.requestId}>
              <td>
                <Link href={`/invocations/${seg(r.requestId)}`} class="mono">
                  {r.requestId}
                </Link>
              </td>
              <td>
                <span class={`status ${r.status}`}>{r.status}</span>
              </td>
              <td>{r.invocationType === 'Event' ? 'async' : 'sync'}</td>
              <td>{r.startType ?? (r.cold ? 'cold' : r.cold === false ? 'warm' : '—')}</td>
              <td class="num">{r.durationMs !== null ? `${r.durationMs.toFixed(1)} ms` : '—'}</td>
              <td>{time(r.createdAtMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function DeadLetters({ name, onRedriven }: { name: string; onRedriven(): void }) {
  const base = `/nimbus/v1/functions/${seg(name)}/dlq`;
  const letters = useLoad(
    () => api<{ deadLetters: DeadLetter[] }>(base).then((r) => r.deadLetters),
    [name],
  );
  const action = useAction();
  const [note, setNote] = useState<string | null>(null);
  const redrive = (ids?: string[]) =>
    action.run(async () => {
      const r = await api<{ redriven: number }>(`${base}/redrive`, {
        method: 'POST',
        json: ids ? { ids } : {},
      });
      setNote(`Queued ${r.redriven} event${r.redriven === 1 ? '' : 's'} again.`);
      letters.reload();
      onRedriven();
    });
  return (
    <section class="card" aria-label="Dead letters">
      <h2>Dead letters</h2>
      <p class="muted">
        Asynchronous events that failed every attempt. Redrive queues them again as new invocations.
      </p>
      <ErrorBox error={letters.error ?? action.error} />
      {note ? (
        <p class="ok" role="status">
          {note}
        </p>
      ) : null}
      {letters.data?.length === 0 ? <p class="empty">The dead-letter list is empty.</p> : null}
      {letters.data?.length ? (
        <>
          <TableWrap label="Dead letters">
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">Request id</th>
                  <th scope="col">Error</th>
                  <th scope="col" class="num">
                    Attempts
                  </th>
                  <th scope="col">Dead since</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {letters.data.map((l) => (
                  <tr key={l.requestId}>
                    <td>
                      <Link href={`/invocations/${seg(l.requestId)}`} class="mono">
                        {l.requestId}
                      </Link>
                    </td>
                    <td>{l.errorType ? `${l.errorType}: ${l.errorMessage ?? ''}` : l.reason}</td>
                    <td class="num">{l.attempts}</td>
                    <td>{time(l.deadAt)}</td>
                    <td>
                      <button
                        type="button"
                        onClick={() => redrive([l.requestId])}
                        disabled={action.busy}
                      >
                        Redrive
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <div class="actions">
            <button type="button" onClick={() => redrive()} disabled={action.busy}>
              Redrive all
            </button>
          </div>
        </>
      ) : null}
    </section>
  );
}
