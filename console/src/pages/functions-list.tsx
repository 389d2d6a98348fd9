import { useState } from 'preact/hooks';
import { api, seg } from '../api/client';
import { listFunctions } from '../api/functions';
import type { FunctionConfiguration, MetricsAnswer, PeriodFigures } from '../api/types';
import { Link } from '../router';
import { useLoad } from '../ui/hooks';
import { ErrorBox, Loading, TableWrap, time } from '../ui/parts';

interface Row {
  fn: FunctionConfiguration;
  hour: PeriodFigures | null;
}

/** The last hour's figures of one function (null when the metrics endpoint is off). */
async function lastHour(name: string): Promise<PeriodFigures | null> {
  try {
    const m = await api<MetricsAnswer>(`/nimbus/v1/functions/${seg(name)}/metrics`, {
      query: { since: Date.now() - 3600_000, period: 3600 },
    });
    return m.summary;
  } catch {
    return null;
  }
}

/** Every function with its runtime, memory, last change and last hour's invocations and errors. */
export function FunctionsList() {
  const [search, setSearch] = useState('');
  const rows = useLoad(async (): Promise<Row[]> => {
    const fns = await listFunctions();
    const hours = await Promise.all(fns.map((f) => lastHour(f.FunctionName)));
    return fns.map((fn, i) => ({ fn, hour: hours[i] ?? null }));
  }, []);
  const needle = search.trim().toLowerCase();
  const shown = (rows.data ?? []).filter(
    (r) =>
      !needle || r.fn.FunctionName.toLowerCase().includes(needle) || r.fn.Runtime.includes(needle),
  );
  return (
    <section>
      <div class="title-row">
        <h1>Functions</h1>
        <Link href="/new" class="button primary">
          Create function
        </Link>
      </div>
      <form class="toolbar" onSubmit={(e) => e.preventDefault()}>
        <label class="field inline">
          <span class="label">Search</span>
          <input
            type="search"
            placeholder="name or runtime"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </label>
        <button type="button" onClick={rows.reload}>
          Refresh
        </button>
      </form>
      <ErrorBox error={rows.error} />
      {rows.loading && !rows.data ? <Loading what="functions" /> : null}
      {rows.data && rows.data.length === 0 ? (
        <p class="empty">
          No functions yet. <Link href="/new">Create your first function</Link>.
        </p>
      ) : null}
      {shown.length > 0 ? (
        <TableWrap label="Functions">
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Runtime</th>
                <th scope="col" class="num">
                  Memory
                </th>
                <th scope="col">Last modified</th>
                <th scope="col" class="num">
                  Invocations (1 h)
                </th>
                <th scope="col" class="num">
                  Errors (1 h)
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map(({ fn, hour }) => (
                <tr key={fn.FunctionName}>
                  <td>
                    <Link href={`/functions/${seg(fn.FunctionName)}`}>{fn.FunctionName}</Link>
                  </td>
                  <td>{fn.Runtime}</td>
                  <td class="num">{fn.MemorySize} MB</td>
                  <td>{time(Date.parse(fn.LastModified))}</td>
                  <td class="num">{hour ? hour.invocations : '—'}</td>
                  <td class={`num${hour?.errors ? ' bad' : ''}`}>{hour ? hour.errors : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : rows.data && rows.data.length > 0 ? (
        <p class="empty">No function matches “{search}”.</p>
      ) : null}
    </section>
  );
}
