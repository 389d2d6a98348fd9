import { useState } from 'preact/hooks';
import { ApiError, api, seg } from '../api/client';
import { useAction, useLoad } from '../ui/hooks';
import { ErrorBox, Field, TableWrap } from '../ui/parts';
import { BucketsPanel } from './triggers-buckets';
import { MappingsPanel, TimersPanel } from './triggers-more';

interface Route {
  id: string;
  domain: string | null;
  route: string;
  function?: string;
  payload?: string;
}

/** HTTP routes (and custom domains), the function URL, timers and queue mappings of one function. */
export function TriggersTab({ name }: { name: string }) {
  return (
    <>
      <RoutesPanel name={name} />
      <UrlPanel name={name} />
      <TimersPanel name={name} />
      <MappingsPanel name={name} />
      <BucketsPanel name={name} />
    </>
  );
}

function RoutesPanel({ name }: { name: string }) {
  const routes = useLoad(
    () =>
      api<{ routes: Route[] }>('/nimbus/v1/routes').then((r) =>
        r.routes.filter((x) => x.function === name || x.function?.startsWith(`${name}:`)),
      ),
    [name],
  );
  const [route, setRoute] = useState('GET /hello');
  const [domain, setDomain] = useState('');
  const action = useAction();
  const add = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      await api('/nimbus/v1/routes', {
        method: 'POST',
        json: {
          route: route.trim(),
          function: name,
          ...(domain.trim() ? { domain: domain.trim() } : {}),
        },
      });
      routes.reload();
    });
  };
  const remove = (r: Route) =>
    action.run(async () => {
      await api(`/nimbus/v1/routes/${seg(r.id)}`, {
        method: 'DELETE',
        query: { domain: r.domain ?? undefined },
      });
      routes.reload();
    });
  return (
    <section class="card" aria-label="HTTP routes">
      <h2>HTTP routes and custom domains</h2>
      <p class="muted">Served by the HTTP gateway port (default 9001).</p>
      <ErrorBox error={routes.error ?? action.error} />
      {routes.data?.length === 0 ? <p class="empty">No HTTP routes.</p> : null}
      {routes.data?.length ? (
        <TableWrap label="HTTP routes">
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Route</th>
                <th scope="col">Domain</th>
                <th scope="col">Payload</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {routes.data.map((r) => (
                <tr key={r.id}>
                  <td class="mono">{r.route}</td>
                  <td>{r.domain ?? 'any host'}</td>
                  <td>{r.payload ?? ''}</td>
                  <td>
                    <button type="button" onClick={() => remove(r)} disabled={action.busy}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
      <form class="toolbar" onSubmit={add} aria-label="Add HTTP route">
        <Field label="Route" hint="METHOD /path, e.g. GET /items/{id} or ANY /api/*">
          <input
            name="route"
            required
            value={route}
            onInput={(e) => setRoute(e.currentTarget.value)}
          />
        </Field>
        <Field label="Custom domain" hint="Optional Host name">
          <input name="domain" value={domain} onInput={(e) => setDomain(e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={action.busy}>
          Add route
        </button>
      </form>
    </section>
  );
}

function UrlPanel({ name }: { name: string }) {
  const path = `/2021-10-31/functions/${seg(name)}/url`;
  const url = useLoad(
    () =>
      api<{ FunctionUrl: string; AuthType: string }>(path).catch((e) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
    [name],
  );
  const action = useAction();
  const create = () =>
    action.run(async () => {
      await api(path, { method: 'POST', json: { AuthType: 'NONE' } });
      url.reload();
    });
  const remove = () =>
    action.run(async () => {
      await api(path, { method: 'DELETE' });
      url.reload();
    });
  return (
    <section class="card" aria-label="Function URL">
      <h2>Function URL</h2>
      <ErrorBox error={url.error ?? action.error} />
      {url.data ? (
        <p>
          <a href={url.data.FunctionUrl} class="mono">
            {url.data.FunctionUrl}
          </a>{' '}
          ({url.data.AuthType}){' '}
          <button type="button" onClick={remove} disabled={action.busy}>
            Remove URL
          </button>
        </p>
      ) : url.data === null ? (
        <button type="button" onClick={create} disabled={action.busy}>
          Create a function URL (no auth)
        </button>
      ) : null}
    </section>
  );
}
