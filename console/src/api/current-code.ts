import { strFromU8, unzipSync } from 'fflate';

/**
 * The function's handler file when its code is that one file (so the inline editor
 * can show it), else null. Reads the presigned `Code.Location` of GetFunction.
 */
export async function currentInlineFile(
  location: string | undefined,
  handler: string,
): Promise<{ file: string; source: string } | null> {
  if (!location) return null;
  const url = new URL(location, window.location.href);
  // The link names the server's own address; fetch it on this origin either way.
  const res = await fetch(url.pathname + url.search, { cache: 'no-store' });
  if (!res.ok) return null;
  const entries = unzipSync(new Uint8Array(await res.arrayBuffer()));
  const files = Object.keys(entries).filter((n) => !n.endsWith('/'));
  const module = handler.slice(0, handler.lastIndexOf('.'));
  const only = files.length === 1 ? files[0] : undefined;
  if (!only || !/\.(mjs|cjs|js|py)$/.test(only) || only.replace(/\.[a-z]+$/, '') !== module) {
    return null;
  }
  return { file: only, source: strFromU8(entries[only]!) };
}
