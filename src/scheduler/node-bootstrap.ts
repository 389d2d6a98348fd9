import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const chosen = new Map<string, string>();

/**
 * The entry file of Nimbus's Node.js runtime in `runtimeDir` (a host folder): the
 * one-file CommonJS bundle `bootstrap.cjs` that `npm run build` makes (much cheaper for
 * Node to load), while it is newer than every `.mjs` source it was made from; else
 * `bootstrap.mjs` itself. Decided once per folder and process.
 */
export function nodeBootstrapFile(runtimeDir: string): string {
  let file = chosen.get(runtimeDir);
  if (file === undefined) {
    file = 'bootstrap.mjs';
    try {
      const bundledMs = statSync(path.join(runtimeDir, 'bootstrap.cjs')).mtimeMs;
      const sources = readdirSync(runtimeDir).filter((n) => n.endsWith('.mjs'));
      if (sources.every((n) => statSync(path.join(runtimeDir, n)).mtimeMs <= bundledMs)) {
        file = 'bootstrap.cjs';
      }
    } catch {
      // no bundle: the sources
    }
    chosen.set(runtimeDir, file);
  }
  return file;
}
