import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** Every page lives under this path (the server answers index.html for all of them). */
export const BASE = '/console';

const listeners = new Set<() => void>();

/** Goes to `path` (under /console) without reloading the page. */
export function navigate(path: string, replace = false): void {
  const url = BASE + path;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const l of listeners) l();
  window.scrollTo(0, 0);
}

/** The current path below /console (`/`, `/functions/x/logs`) and query. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const on = () => setTick((t) => t + 1);
    listeners.add(on);
    window.addEventListener('popstate', on);
    return () => {
      listeners.delete(on);
      window.removeEventListener('popstate', on);
    };
  }, []);
  const raw = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : '/';
  return { path: raw || '/', query: new URLSearchParams(location.search) };
}

/** A real link (opens in a new tab with a modifier) that navigates in place on a plain click. */
export function Link(props: {
  href: string;
  children: ComponentChildren;
  class?: string;
  title?: string;
  'aria-current'?: 'page';
}) {
  const { href, children, ...rest } = props;
  const onClick = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a {...rest} href={BASE + href} onClick={onClick}>
      {children}
    </a>
  );
}

/** Matches `/functions/:name/:tab?` style patterns; params are decoded. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = path.replace(/\/+$/, '').split('/');
  const out: Record<string, string> = {};
  for (let i = 0; i < Math.max(p.length, s.length); i++) {
    const part = p[i];
    const val = s[i];
    if (part === undefined) return null;
    if (part.startsWith(':')) {
      const optional = part.endsWith('?');
      if (val === undefined || val === '') {
        if (optional) continue;
        return null;
      }
      out[part.slice(1).replace(/\?$/, '')] = decodeURIComponent(val);
    } else if (part !== val) return null;
  }
  return out;
}
