import { useEffect, useState } from 'preact/hooks';
import { api, seg } from '../api/client';
import { type InvokeResult, invoke, pretty } from '../api/invoke';
import type { TestEvent } from '../api/types';
import { Link } from '../router';
import { TEMPLATES } from '../templates';
import { useAction, useLoad } from '../ui/hooks';
import { ErrorBox, Field } from '../ui/parts';

const firstTemplate = JSON.stringify(TEMPLATES[0]!.event, null, 2);

/** Saved test events (kept by the server), templates, and Invoke with the result. */
export function TestTab({ name }: { name: string }) {
  const base = `/nimbus/v1/functions/${seg(name)}/test-events`;
  const saved = useLoad(
    () => api<{ testEvents: TestEvent[] }>(base).then((r) => r.testEvents),
    [name],
  );
  const [eventName, setEventName] = useState('my-event');
  const [payload, setPayload] = useState(firstTemplate);
  const [type, setType] = useState<'RequestResponse' | 'Event'>('RequestResponse');
  const [result, setResult] = useState<InvokeResult | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const action = useAction();

  // The first saved event is shown when there is one.
  const first = saved.data?.[0];
  useEffect(() => {
    if (first) {
      setEventName(first.name);
      setPayload(first.payload);
    }
  }, [first?.name]);

  const pick = (value: string) => {
    const [kind, id] = [value.slice(0, 2), value.slice(2)];
    if (kind === 's:') {
      const ev = saved.data?.find((e) => e.name === id);
      if (ev) {
        setEventName(ev.name);
        setPayload(ev.payload);
      }
    } else {
      const t = TEMPLATES.find((x) => x.id === id);
      if (t) {
        setPayload(JSON.stringify(t.event, null, 2));
        setEventName(t.id);
      }
    }
  };
  const save = () =>
    action.run(async () => {
      await api(`${base}/${seg(eventName.trim())}`, { method: 'PUT', json: { payload } });
      setNote(`Saved test event ${eventName.trim()}.`);
      saved.reload();
    });
  const remove = () =>
    action.run(async () => {
      await api(`${base}/${seg(eventName.trim())}`, { method: 'DELETE' });
      setNote(`Deleted test event ${eventName.trim()}.`);
      saved.reload();
    });
  const run = (e: Event) => {
    e.preventDefault();
    setNote(null);
    void action.run(async () => {
      try {
        JSON.parse(payload);
      } catch (err) {
        throw new Error(`The event is not valid JSON: ${(err as Error).message}`);
      }
      setResult(null);
      setResult(await invoke(name, payload, type));
    });
  };

  return (
    <div class="two-col">
      <form class="card" onSubmit={run} aria-label="Test event">
        <h2>Test event</h2>
        <Field label="Start from">
          <select name="start" onChange={(e) => pick(e.currentTarget.value)} value="">
            <option value="">Choose a saved event or a template…</option>
            {saved.data?.length ? (
              <optgroup label="Saved events">
                {saved.data.map((ev) => (
                  <option key={ev.name} value={`s:${ev.name}`}>
                    {ev.name}
                  </option>
                ))}
              </optgroup>
            ) : null}
            <optgroup label="Templates">
              {TEMPLATES.map((t) => (
                <option key={t.id} value={`t:${t.id}`}>
                  {t.label}
                </option>
              ))}
            </optgroup>
          </select>
        </Field>
        <Field label="Event name" hint="Saved on the server for this function">
          <input
            name="eventName"
            value={eventName}
            onInput={(e) => setEventName(e.currentTarget.value)}
          />
        </Field>
        <Field label="Event JSON">
          <textarea
            class="code"
            name="payload"
            rows={14}
            spellcheck={false}
            value={payload}
            onInput={(e) => setPayload(e.currentTarget.value)}
          />
        </Field>
        <fieldset class="radios">
          <legend>Invocation type</legend>
          <label>
            <input
              type="radio"
              name="type"
              checked={type === 'RequestResponse'}
              onChange={() => setType('RequestResponse')}
            />{' '}
            Synchronous (wait for the answer)
          </label>
          <label>
            <input
              type="radio"
              name="type"
              checked={type === 'Event'}
              onChange={() => setType('Event')}
            />{' '}
            Asynchronous (queue an event)
          </label>
        </fieldset>
        <ErrorBox error={action.error ?? saved.error} />
        {note ? (
          <p class="ok" role="status">
            {note}
          </p>
        ) : null}
        <div class="actions">
          <button type="submit" class="primary" disabled={action.busy}>
            {action.busy ? 'Working…' : 'Invoke'}
          </button>
          <button type="button" onClick={save} disabled={action.busy}>
            Save event
          </button>
          <button
            type="button"
            onClick={remove}
            disabled={action.busy || !saved.data?.some((e) => e.name === eventName)}
          >
            Delete event
          </button>
        </div>
      </form>
      {result ? <ResultPanel result={result} /> : null}
    </div>
  );
}

function ResultPanel({ result }: { result: InvokeResult }) {
  const failed = result.functionError !== null;
  return (
    <section class={`card result${failed ? ' failed' : ''}`} aria-label="Result" aria-live="polite">
      <h2>
        {result.status === 202
          ? 'Queued'
          : failed
            ? `Failed: ${result.functionError}`
            : 'Succeeded'}
      </h2>
      {result.requestId ? (
        <p>
          Request id:{' '}
          <Link href={`/invocations/${seg(result.requestId)}`} class="mono">
            {result.requestId}
          </Link>
        </p>
      ) : null}
      {result.report ? (
        <dl class="figures" aria-label="REPORT">
          {Object.entries(result.report)
            .filter(([k]) => k !== 'RequestId')
            .map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
        </dl>
      ) : null}
      {result.status !== 202 ? (
        <>
          <h3>Response</h3>
          <pre class="output" data-testid="response">
            {pretty(result.body)}
          </pre>
        </>
      ) : (
        <p>The event is queued; its record and logs appear when it has run.</p>
      )}
      {result.tail !== null ? (
        <>
          <h3>Log output (last 4 KB)</h3>
          <pre class="output" data-testid="tail">
            {result.tail}
          </pre>
        </>
      ) : null}
    </section>
  );
}
