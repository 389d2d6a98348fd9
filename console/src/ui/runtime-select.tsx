import { api } from '../api/client';
import { INLINE_RUNTIMES } from '../api/functions';
import { useLoad } from './hooks';
import { Field } from './parts';

interface RuntimeRow {
  id: string;
  family: string;
  installed?: boolean;
  note?: string;
}

/** Node and Python runtimes the server knows, those installed first. */
export function RuntimeSelect(props: { value: string; onChange(r: string): void }) {
  const rows = useLoad(
    () =>
      api<{ runtimes: RuntimeRow[] }>('/nimbus/v1/runtimes').then((r) =>
        r.runtimes.filter((x) => x.family === 'nodejs' || x.family === 'python'),
      ),
    [],
  );
  const list: RuntimeRow[] =
    rows.data ??
    INLINE_RUNTIMES.map((id) => ({ id, family: id.startsWith('py') ? 'python' : 'nodejs' }));
  const sorted = [...list].sort(
    (a, b) => Number(b.installed ?? false) - Number(a.installed ?? false),
  );
  return (
    <Field label="Runtime">
      <select
        name="runtime"
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        {sorted.map((r) => (
          <option key={r.id} value={r.id}>
            {r.id}
            {r.installed === false ? ' (not installed)' : ''}
          </option>
        ))}
      </select>
    </Field>
  );
}
