import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import * as esbuild from 'esbuild';

/** A build or syntax problem, as one terminal line: `file:line:column: message`. */
export class BuildError extends Error {
  override name = 'BuildError';
}

/** What the dev loop needs to know of one function to build it. */
export interface BuildTarget {
  /** Absolute code folder (or `.zip`, which is used as is). */
  codePath: string;
  runtime: string;
  handler: string;
}

/** What `prepareCode` made: the folder or zip to package. */
export interface PreparedCode {
  codePath: string;
  /** True when TypeScript was compiled into a build folder. */
  compiled: boolean;
}

const TS_EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx'];
const JS_EXTENSIONS = ['.js', '.mjs', '.cjs'];
/** Never copied into a build folder nor watched: bundled, version control, local state. */
export const SKIPPED_DIRS = new Set(['node_modules', '.git', '.nimbus']);

/** `src/app.handler` → `src/app` (the module part of a Node handler). */
function handlerModule(handler: string): string {
  const dot = handler.lastIndexOf('.');
  return dot > 0 ? handler.slice(0, dot) : handler;
}

/**
 * The TypeScript entry of a Node function whose handler module has no `.js`
 * beside it (`handler: src/app.handler` with `src/app.ts`), else undefined.
 */
export function typescriptEntry(t: BuildTarget): string | undefined {
  if (!t.runtime.startsWith('nodejs') || t.codePath.toLowerCase().endsWith('.zip')) return;
  const base = path.join(t.codePath, handlerModule(t.handler));
  if (JS_EXTENSIONS.some((e) => existsSync(base + e))) return;
  return TS_EXTENSIONS.map((e) => base + e).find((f) => existsSync(f));
}

/** esbuild's first error as `file:line:column: text`; `base` is what its file paths are relative to. */
function firstMessage(e: unknown, cwd: string, base = cwd): string {
  const errors = (e as { errors?: esbuild.Message[] }).errors;
  const m = errors?.[0];
  if (!m) return e instanceof Error ? e.message : String(e);
  const loc = m.location;
  if (!loc) return m.text;
  const file = path.relative(cwd, path.resolve(base, loc.file)) || loc.file;
  // esbuild's columns are 0-based; editors count from 1.
  return `${file}:${loc.line}:${loc.column + 1}: ${m.text}`;
}

/**
 * Bundles a TypeScript handler (and what it imports, node_modules included)
 * into `<outDir>/<module>.mjs` with an inline source map; the code folder's
 * other files (not `.ts`, not node_modules) are copied beside it.
 * Throws a BuildError with one `file:line:column: message` line.
 */
async function compile(t: BuildTarget, entry: string, outDir: string, cwd: string) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await cp(t.codePath, outDir, {
    recursive: true,
    filter: (src) => {
      const name = path.basename(src);
      if (src === t.codePath) return true;
      if (SKIPPED_DIRS.has(name)) return false;
      return !TS_EXTENSIONS.some((e) => name.endsWith(e));
    },
  });
  try {
    await esbuild.build({
      entryPoints: [entry],
      outfile: path.join(outDir, `${handlerModule(t.handler)}.mjs`),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: `node${process.versions.node.split('.')[0]}`,
      sourcemap: 'inline',
      logLevel: 'silent',
      absWorkingDir: t.codePath,
      // CommonJS packages bundled into ESM still call require().
      banner: {
        js: "import { createRequire as __nimbusRequire } from 'node:module'; const require = __nimbusRequire(import.meta.url);",
      },
    });
  } catch (e) {
    throw new BuildError(firstMessage(e, cwd, t.codePath));
  }
}

/** Parses a JavaScript file without running it; a syntax error becomes a BuildError. */
export async function checkJavaScript(file: string, cwd: string): Promise<void> {
  const source = await readFile(file, 'utf8').catch(() => undefined);
  if (source === undefined) return;
  try {
    await esbuild.transform(source, { loader: 'js', sourcefile: file, logLevel: 'silent' });
  } catch (e) {
    throw new BuildError(firstMessage(e, cwd));
  }
}

/**
 * The folder to package for one function: its code folder as is, or for a
 * TypeScript handler a fresh build folder under `buildRoot`. Changed `.js`
 * files are syntax-checked first, so a typo keeps the old code serving.
 * @example const { codePath } = await prepareCode(target, '/tmp/build/api', ['/p/api/index.js'], '/p');
 */
export async function prepareCode(
  t: BuildTarget,
  buildDir: string,
  changed: readonly string[],
  cwd: string,
): Promise<PreparedCode> {
  const entry = typescriptEntry(t);
  if (entry) {
    await compile(t, entry, buildDir, cwd);
    return { codePath: buildDir, compiled: true };
  }
  for (const f of changed) {
    if (JS_EXTENSIONS.some((e) => f.endsWith(e)) && f.startsWith(t.codePath + path.sep)) {
      await checkJavaScript(f, cwd);
    }
  }
  return { codePath: t.codePath, compiled: false };
}
