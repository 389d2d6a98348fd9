import type { ManifestIssue } from '../types.js';
import type { YamlFile } from '../yaml-file.js';

export type Path = (string | number)[];
export type Json = Record<string, unknown>;

/** What an importer reads from and writes warnings to. */
export class ImportContext {
  readonly warnings: ManifestIssue[] = [];

  constructor(readonly yaml: YamlFile) {}

  /** A warning at `path`: something that could not be mapped, and why. */
  warn(path: Path, message: string): void {
    this.warnings.push(this.yaml.issue(path, message));
  }

  /** Warns about every key of `obj` not in `known`, naming them. */
  unsupportedKeys(
    path: Path,
    obj: unknown,
    known: readonly string[],
    why = 'not supported by Nimbus: ignored',
  ): void {
    if (!isObject(obj)) return;
    for (const key of Object.keys(obj)) {
      if (!known.includes(key))
        this.warnings.push(this.yaml.issue([...path], `${key}: ${why}`, key));
    }
  }
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

export function num(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** Environment values as strings; values that are not scalars are warned about. */
export function envOf(
  ctx: ImportContext,
  path: Path,
  v: unknown,
): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')
      out[k] = String(x);
    else
      ctx.warn(
        [...path, k],
        `${k}: a value Nimbus cannot resolve (${JSON.stringify(x)}): left out`,
      );
  }
  return out;
}

/** A name Nimbus accepts for a function/timer: letters, digits, - and _ (others become -). */
export function safeName(name: string, max = 64): string {
  return name.replace(/[^a-zA-Z0-9_-]/g, '-').slice(0, max) || 'fn';
}

/** The name at the end of an ARN (`arn:aws:sqs:us-east-1:123:jobs` → `jobs`). */
export function arnName(arn: string): string {
  return arn.split(':').at(-1) ?? arn;
}

/** `GET`, `get`, `*`, `any` → `GET` / `ANY`. */
export function method(m: unknown): string {
  const up = String(m ?? 'ANY').toUpperCase();
  return up === '*' ? 'ANY' : up;
}

/** `users/{id}` → `/users/{id}`. */
export function slashPath(p: unknown): string {
  const s = String(p ?? '/');
  return s.startsWith('/') ? s : `/${s}`;
}

/** A runtime Nimbus runs, from an AWS/FC runtime name (warns when it had to change it). */
export function nimbusRuntime(
  ctx: ImportContext,
  path: Path,
  runtime: string | undefined,
): string | undefined {
  if (runtime === undefined) return undefined;
  if (/^(nodejs(20|22|24)\.x|python3\.\d+|provided(\.al2|\.al2023)?)$/.test(runtime))
    return runtime;
  const node = /^nodejs(\d+)(\.x)?$/.exec(runtime);
  if (node) {
    if (node[1] !== '20') ctx.warn(path, `runtime ${runtime}: deployed as nodejs20.x`);
    return 'nodejs20.x';
  }
  if (/^python3(\.\d+)?$/.test(runtime)) {
    ctx.warn(path, `runtime ${runtime}: using python3.11 (Nimbus runs the host's python3)`);
    return 'python3.11';
  }
  if (runtime === 'custom' || runtime === 'custom.debian10') return 'provided';
  ctx.warn(
    path,
    `runtime ${runtime} is not supported by Nimbus: kept as is (the deploy will say if the server refuses it)`,
  );
  return runtime;
}
