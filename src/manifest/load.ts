import path from 'node:path';
import { ManifestError } from './errors.js';
import type { FunctionSpec, Manifest, ManifestIssue } from './types.js';
import { validateManifest } from './validate.js';
import { readYaml, type YamlFile } from './yaml-file.js';

/** A checked manifest, defaults applied, with the folder its code paths are relative to. */
export interface LoadedManifest {
  file: string;
  baseDir: string;
  manifest: Manifest;
}

/** Environment values may be written as numbers or booleans in YAML; the API takes strings. */
function stringEnv(env: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (!env) return undefined;
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

/** Each function with `defaults:` under it (its own keys win; env merged). */
export function applyDefaults(m: Manifest): Manifest {
  const d = m.defaults ?? {};
  const functions: Record<string, FunctionSpec> = {};
  for (const [name, f] of Object.entries(m.functions)) {
    const env = { ...stringEnv(d.env), ...stringEnv(f.env) };
    functions[name] = {
      ...d,
      ...f,
      ...(Object.keys(env).length ? { env } : {}),
      ...(d.async || f.async ? { async: { ...d.async, ...f.async } } : {}),
    };
  }
  return { ...m, functions };
}

/** Checks what the schema cannot: names that must be unique across functions. */
function crossChecks(m: Manifest, yaml: YamlFile): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const timers = new Map<string, string>();
  const routes = new Map<string, string>();
  for (const [name, f] of Object.entries(m.functions)) {
    for (const t of Object.keys(f.timers ?? {})) {
      const other = timers.get(t);
      if (other) {
        issues.push(
          yaml.issue(
            ['functions', name, 'timers', t],
            `timer "${t}" is also defined by function ${other}`,
          ),
        );
      }
      timers.set(t, name);
    }
    (f.routes ?? []).forEach((r, i) => {
      const spec = typeof r === 'string' ? { route: r } : r;
      const key = `${spec.domain ?? ''} ${spec.route}`;
      const other = routes.get(key);
      if (other) {
        issues.push(
          yaml.issue(
            ['functions', name, 'routes', i],
            `route "${spec.route}" is also routed to ${other}`,
          ),
        );
      }
      routes.set(key, name);
    });
    (f.layers ?? []).forEach((l, i) => {
      if (!l.startsWith('arn:') && !m.layers?.[l]) {
        issues.push(
          yaml.issue(
            ['functions', name, 'layers', i],
            `layer ${l} is not in this manifest's layers (give its name there, or a layer version ARN)`,
          ),
        );
      }
    });
    for (const dest of [f.async?.onSuccess, f.async?.onFailure]) {
      if (dest && !m.functions[dest]) {
        issues.push(
          yaml.issue(
            ['functions', name, 'async'],
            `destination ${dest} is not a function of this manifest`,
          ),
        );
      }
    }
  }
  return issues;
}

/**
 * Reads `nimbus.yml`: YAML with positions, the JSON Schema, then cross-checks.
 * Throws a ManifestError listing every problem as file:line:column: message.
 * @example const { manifest, baseDir } = await loadManifest('nimbus.yml');
 */
export async function loadManifest(file: string): Promise<LoadedManifest> {
  const yaml = await readYaml(file);
  const manifest = validateManifest(yaml);
  const issues = crossChecks(manifest, yaml);
  if (issues.length) throw new ManifestError(issues);
  return {
    file,
    baseDir: path.dirname(path.resolve(file)),
    manifest: applyDefaults(manifest),
  };
}
