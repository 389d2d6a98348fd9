import { type ImportContext, isObject, type Json, type Path } from './context.js';

/**
 * Resolves serverless.yml variables in every string: `${self:a.b}`,
 * `${env:NAME}`, `${opt:stage}` / `${sls:stage}` (the provider's stage, else
 * `dev`), `${opt:region}`, with `, fallback` defaults (`${env:X, 'dev'}`),
 * nested (`${self:custom.${opt:stage}}`). What cannot be resolved is kept and warned about.
 */
export function resolveVariables(ctx: ImportContext, root: Json, env: NodeJS.ProcessEnv): Json {
  const provider = isObject(root.provider) ? root.provider : {};
  const stage = stageOf(provider.stage);
  const region = typeof provider.region === 'string' ? provider.region : 'us-east-1';
  const lookup = (ref: string, path: Path, depth: number): unknown => {
    const [source, ...rest] = ref.split(':');
    const key = rest.join(':').trim();
    switch (source?.trim()) {
      case 'self': {
        let v: unknown = root;
        for (const part of key.split('.')) v = isObject(v) ? v[part] : undefined;
        return typeof v === 'string' ? walk(v, path, depth + 1) : v;
      }
      case 'env':
        return env[key];
      case 'opt':
      case 'sls':
        return key === 'stage' ? stage : key === 'region' ? region : undefined;
      default:
        return undefined;
    }
  };
  const one = (expr: string, path: Path, depth: number): unknown => {
    const parts = splitTop(expr);
    for (const part of parts) {
      const p = part.trim();
      const quoted = /^(['"])(.*)\1$/.exec(p);
      if (quoted) return quoted[2];
      if (/^-?\d+(\.\d+)?$/.test(p)) return Number(p);
      const v = lookup(p, path, depth);
      if (v !== undefined && v !== null) return v;
    }
    ctx.warn(path, `cannot resolve \${${expr}}: kept as written`);
    return `\${${expr}}`;
  };
  function walk(text: string, path: Path, depth: number): unknown {
    if (depth > 10) return text;
    // Innermost first: no `${` inside the braces matched here.
    const inner = /\$\{([^${}]+)\}/;
    let s = text;
    for (let m = inner.exec(s); m; m = inner.exec(s)) {
      const v = one(m[1] ?? '', path, depth);
      if (m[0] === s) return v;
      if (typeof v === 'string' && v.includes(m[0])) break;
      s = s.replace(m[0], typeof v === 'string' ? v : JSON.stringify(v));
    }
    return s;
  }
  const visit = (v: unknown, path: Path): unknown => {
    if (typeof v === 'string') return v.includes('${') ? walk(v, path, 0) : v;
    if (Array.isArray(v)) return v.map((x, i) => visit(x, [...path, i]));
    if (isObject(v))
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x, [...path, k])]));
    return v;
  };
  return visit(root, []) as Json;
}

/** `provider.stage`, or the default of `${opt:stage, 'test'}` written there, else `dev`. */
function stageOf(v: unknown): string {
  if (typeof v !== 'string') return 'dev';
  if (!v.includes('${')) return v;
  return /,\s*['"]([^'"]+)['"]\s*\}/.exec(v)?.[1] ?? 'dev';
}

/** `env:X, 'dev'` → [`env:X`, `'dev'`] (commas inside quotes kept). */
function splitTop(expr: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  for (const ch of expr) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out;
}
