import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ManifestError } from './errors.js';
import { MANIFEST_SCHEMA } from './schema.js';
import type { Manifest, ManifestIssue } from './types.js';
import type { YamlFile } from './yaml-file.js';

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, verbose: true, strict: false }).compile(MANIFEST_SCHEMA);
  return compiled;
}

/** `/functions/a~1b/0` → `['functions', 'a/b', 0]` (numbers for sequence indexes). */
function pathOf(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] ?? 0;
      row[j] = Math.min(cur + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] ?? 0;
}

function suggestion(name: string, known: string[]): string {
  const best = known
    .map((k) => ({ k, d: distance(name.toLowerCase(), k.toLowerCase()) }))
    .sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(name.length / 3))
    ? ` (did you mean "${best.k}"?)`
    : '';
}

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  const where = e.instancePath ? `${pathOf(e.instancePath).join('.')}: ` : '';
  switch (e.keyword) {
    case 'additionalProperties': {
      const known = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      const name = String(p.additionalProperty);
      const allowed = known.length ? `; allowed: ${known.join(', ')}` : '';
      return `${where}unknown key "${name}"${suggestion(name, known) || allowed}`;
    }
    case 'required':
      return `${where}missing key "${String(p.missingProperty)}"`;
    case 'enum':
      return `${where}must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${JSON.stringify(e.data)})`;
    case 'pattern': {
      const hint = (e.parentSchema as { description?: string })?.description;
      return `${where}invalid value ${JSON.stringify(e.data)}${hint ? `: expected ${hint}` : ` (must match ${String(p.pattern)})`}`;
    }
    case 'propertyNames':
      return `${where}invalid name ${JSON.stringify(p.propertyName)}`;
    case 'minimum':
    case 'maximum':
      return `${where}must be ${e.keyword === 'minimum' ? 'at least' : 'at most'} ${String(p.limit)} (got ${JSON.stringify(e.data)})`;
    default:
      return `${where}${e.message ?? 'is invalid'}${e.keyword === 'type' ? ` (got ${JSON.stringify(e.data)})` : ''}`;
  }
}

/** The errors a person needs: no `oneOf` summary when a branch said why, one line per type mismatch. */
function relevant(errors: ErrorObject[]): ErrorObject[] {
  const below = (e: ErrorObject, other: ErrorObject) =>
    other !== e && other.keyword !== 'oneOf' && other.instancePath.startsWith(e.instancePath);
  let kept = errors.filter(
    (e) => !(e.keyword === 'oneOf' && errors.some((o) => below(e, o) && o.keyword !== 'type')),
  );
  // A value that matched some branch's type but failed there: its other branches' type errors are noise.
  kept = kept.filter(
    (e) =>
      e.keyword !== 'type' ||
      !kept.some(
        (o) =>
          o !== e &&
          o.keyword !== 'type' &&
          o.keyword !== 'oneOf' &&
          o.instancePath.startsWith(e.instancePath),
      ),
  );
  const types = new Map<string, ErrorObject>();
  return kept.filter((e) => {
    if (e.keyword === 'propertyNames') return false; // its own error (pattern on the name) follows
    if (e.keyword !== 'type' && e.keyword !== 'oneOf') return true;
    const first = types.get(e.instancePath);
    if (!first) {
      types.set(e.instancePath, e);
      return true;
    }
    if (e.keyword === 'type' && first.keyword === 'type') {
      (first.params as { type: string }).type += ` or ${(e.params as { type: string }).type}`;
      first.message = `must be ${(first.params as { type: string }).type}`;
    }
    return false;
  });
}

/**
 * Checks a parsed `nimbus.yml` against the schema; every problem comes back
 * with file:line:column. Returns the manifest typed.
 */
export function validateManifest(yaml: YamlFile): Manifest {
  const check = validator();
  if (check(yaml.value)) return yaml.value as Manifest;
  const issues: ManifestIssue[] = relevant(check.errors ?? []).map((e) => {
    const path = pathOf(e.instancePath);
    const p = e.params as Record<string, unknown>;
    const key =
      e.keyword === 'additionalProperties'
        ? String(p.additionalProperty)
        : e.keyword === 'pattern' && e.propertyName
          ? e.propertyName
          : undefined;
    const message =
      e.propertyName && e.keyword === 'pattern'
        ? `${path.join('.') ? `${path.join('.')}: ` : ''}invalid name ${JSON.stringify(e.propertyName)} (must match ${String(p.pattern)})`
        : describe(e);
    return yaml.issue(path, message, key);
  });
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  throw new ManifestError(issues);
}
