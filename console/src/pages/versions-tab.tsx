import { useState } from 'preact/hooks';
import { api, seg } from '../api/client';
import type { FunctionConfiguration } from '../api/types';
import { useAction, useLoad } from '../ui/hooks';
import { ErrorBox, Field, TableWrap, time } from '../ui/parts';

interface Alias {
  Name: string;
  FunctionVersion: string;
  Description?: string;
  RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> };
}

/** Published versions (publish from $LATEST) and aliases with an optional weighted second version. */
export function VersionsTab({ name }: { name: string }) {
  const base = `/2015-03-31/functions/${seg(name)}`;
  const versions = useLoad(
    () => api<{ Versions: FunctionConfiguration[] }>(`${base}/versions`).then((r) => r.Versions),
    [name],
  );
  const aliases = useLoad(
    () => api<{ Aliases: Alias[] }>(`${base}/aliases`).then((r) => r.Aliases),
    [name],
  );
  const action = useAction();
  const aliasAction = useAction();
  const [aliasName, setAliasName] = useState('live');
  const [version, setVersion] = useState('');
  const [extra, setExtra] = useState('');
  const [weight, setWeight] = useState(10);

  const publish = () =>
    action.run(async () => {
      await api(`${base}/versions`, { method: 'POST', json: {} });
      versions.reload();
    });
  const saveAlias = (e: Event) => {
    e.preventDefault();
    void aliasAction.run(async () => {
      const routing = extra
        ? { RoutingConfig: { AdditionalVersionWeights: { [extra]: weight / 100 } } }
        : { RoutingConfig: { AdditionalVersionWeights: {} } };
      const exists = aliases.data?.some((a) => a.Name === aliasName);
      await api(exists ? `${base}/aliases/${seg(aliasName)}` : `${base}/aliases`, {
        method: exists ? 'PUT' : 'POST',
        json: { ...(exists ? {} : { Name: aliasName }), FunctionVersion: version, ...routing },
      });
      aliases.reload();
    });
  };
  const removeAlias = (a: string) =>
    aliasAction.run(async () => {
      await api(`${base}/aliases/${seg(a)}`, { method: 'DELETE' });
      aliases.reload();
    });
  const published = (versions.data ?? []).filter((v) => v.Version !== '$LATEST');
  return (
    <>
      <section class="card" aria-label="Versions">
        <h2>Versions</h2>
        <ErrorBox error={versions.error ?? action.error} />
        <TableWrap label="Versions">
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Code sha256</th>
                <th scope="col">Last modified</th>
              </tr>
            </thead>
            <tbody>
              {(versions.data ?? []).map((v) => (
                <tr key={v.Version}>
                  <td>{v.Version}</td>
                  <td class="mono">{v.CodeSha256?.slice(0, 16)}</td>
                  <td>{time(Date.parse(v.LastModified))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
        <div class="actions">
          <button type="button" onClick={publish} disabled={action.busy}>
            Publish a version from $LATEST
          </button>
        </div>
      </section>
      <section class="card" aria-label="Aliases">
        <h2>Aliases</h2>
        <ErrorBox error={aliases.error ?? aliasAction.error} />
        {aliases.data?.length === 0 ? <p class="empty">No aliases.</p> : null}
        {aliases.data?.length ? (
          <TableWrap label="Aliases">
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">Alias</th>
                  <th scope="col">Version</th>
                  <th scope="col">Weights</th>
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {aliases.data.map((a) => (
                  <tr key={a.Name}>
                    <td>{a.Name}</td>
                    <td>{a.FunctionVersion}</td>
                    <td>
                      {Object.entries(a.RoutingConfig?.AdditionalVersionWeights ?? {})
                        .map(([v, w]) => `${v}: ${Math.round(w * 100)}%`)
                        .join(', ') || '—'}
                    </td>
                    <td>
                      <button
                        type="button"
                        onClick={() => removeAlias(a.Name)}
                        disabled={action.busy}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ) : null}
        <form class="form-grid" onSubmit={saveAlias} aria-label="Create or update alias">
          <Field label="Alias name">
            <input
              name="alias"
              required
              value={aliasName}
              onInput={(e) => setAliasName(e.currentTarget.value)}
            />
          </Field>
          <Field label="Version">
            <select
              name="version"
              required
              value={version}
              onChange={(e) => setVersion(e.currentTarget.value)}
            >
              <option value="">Choose…</option>
              <option value="$LATEST">$LATEST</option>
              {published.map((v) => (
                <option key={v.Version} value={v.Version}>
                  {v.Version}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Second version (canary)" hint="Optional">
            <select name="extra" value={extra} onChange={(e) => setExtra(e.currentTarget.value)}>
              <option value="">none</option>
              {published.map((v) => (
                <option key={v.Version} value={v.Version}>
                  {v.Version}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Its weight (%)">
            <input
              name="weight"
              type="number"
              min={0}
              max={100}
              value={weight}
              onInput={(e) => setWeight(Number(e.currentTarget.value))}
            />
          </Field>
          <div class="actions">
            <button type="submit" class="primary" disabled={aliasAction.busy}>
              Save alias
            </button>
          </div>
        </form>
      </section>
    </>
  );
}
