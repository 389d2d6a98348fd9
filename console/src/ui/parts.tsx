import type { ComponentChildren } from 'preact';

/** A readable error, announced to screen readers. */
export function ErrorBox({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return <p class="muted">Loading {what}…</p>;
}

/** A labelled form field: the label wraps the control so clicks and screen readers find it. */
export function Field(props: { label: string; hint?: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child passed in.
    <label class="field">
      <span class="label">{props.label}</span>
      {props.children}
      {props.hint ? <span class="hint">{props.hint}</span> : null}
    </label>
  );
}

/** Wide tables scroll sideways on a phone instead of squeezing. */
export function TableWrap({ children, label }: { children: ComponentChildren; label: string }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard.
    <section class="table-wrap" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}

/** `2026-12-08 01:02:03` in local time. */
export function time(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** `KEY=VALUE` lines to an object (blank lines and `#` comments skipped). */
export function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`environment line "${line}" is not KEY=VALUE`);
    out[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return out;
}

export function formatEnv(vars: Record<string, string> | undefined): string {
  return Object.entries(vars ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}
