import { useEffect, useRef, useState } from 'preact/hooks';
import { seg } from '../api/client';
import { followLogs } from '../api/log-stream';
import type { LogLine } from '../api/types';
import { Link } from '../router';
import { ErrorBox, Field, time } from '../ui/parts';

/** Lines kept on the page. */
const MAX_LINES = 2000;

/** Live tail of the last 15 minutes onwards, filtered by request id (server) and text (page). */
export function LogsTab({ name }: { name: string }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [state, setState] = useState<'connecting' | 'live' | 'reconnecting' | 'paused'>(
    'connecting',
  );
  const [error, setError] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [requestId, setRequestId] = useState('');
  const [applied, setApplied] = useState('');
  const [paused, setPaused] = useState(false);
  const bottom = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (paused) {
      setState('paused');
      return;
    }
    setLines([]);
    setState('connecting');
    return followLogs(
      name,
      { sinceMs: Date.now() - 15 * 60_000, requestId: applied },
      (more) => setLines((prev) => [...prev, ...more].slice(-MAX_LINES)),
      (s, err) => {
        setState(s);
        setError(err ? `Log stream interrupted: ${err}` : null);
      },
    );
  }, [name, applied, paused]);

  useEffect(() => {
    bottom.current?.scrollIntoView({ block: 'nearest' });
  }, [lines.length]);

  const needle = text.toLowerCase();
  const shown = needle ? lines.filter((l) => l.message.toLowerCase().includes(needle)) : lines;
  return (
    <section class="card" aria-label="Logs">
      <h2>
        Logs <span class={`badge ${state}`}>{state}</span>
      </h2>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(requestId.trim());
        }}
      >
        <Field label="Filter text">
          <input
            type="search"
            name="text"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </Field>
        <Field label="Request id">
          <input
            name="requestId"
            value={requestId}
            onInput={(e) => setRequestId(e.currentTarget.value)}
          />
        </Field>
        <button type="submit">Apply</button>
        <button type="button" onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
          {paused ? 'Resume' : 'Pause'}
        </button>
      </form>
      <ErrorBox error={error} />
      <div class="log" role="log" aria-label="Log lines">
        {shown.length === 0 ? (
          <p class="muted">No log lines yet: invoke the function, they appear here.</p>
        ) : null}
        {shown.map((l) => (
          <div class="log-line" key={l.id}>
            <time class="muted">{time(l.timestamp)}</time>{' '}
            {l.requestId ? (
              <Link
                href={`/invocations/${seg(l.requestId)}`}
                class="mono rid"
                title="Open the invocation record"
              >
                {l.requestId.slice(0, 8)}
              </Link>
            ) : (
              <span class="mono rid muted">—</span>
            )}{' '}
            <span class="msg">{l.message.replace(/\n$/, '')}</span>
          </div>
        ))}
        <div ref={bottom} />
      </div>
    </section>
  );
}
