import path from 'node:path';
import { ManifestError } from './errors.js';
import { ImportContext, isObject, type Json } from './import/context.js';
import { importFc } from './import/fc.js';
import { importSam } from './import/sam.js';
import { importServerless } from './import/serverless.js';
import { applyDefaults, loadManifest } from './load.js';
import type { Manifest, ManifestIssue } from './types.js';
import { validateManifest } from './validate.js';
import { readYaml, type YamlFile } from './yaml-file.js';

export type ProjectKind = 'nimbus' | 'serverless' | 'sam' | 'fc';

/** A manifest of any supported kind, as the nimbus.yml model. */
export interface LoadedProject {
  file: string;
  kind: ProjectKind;
  baseDir: string;
  manifest: Manifest;
  /** What an importer could not map, each with where it is. */
  warnings: ManifestIssue[];
}

/** Which kind of file this is, by its content. */
export function detectKind(value: unknown): ProjectKind {
  if (!isObject(value)) return 'nimbus';
  const transform = JSON.stringify(value.Transform ?? '');
  const types = isObject(value.Resources)
    ? Object.values(value.Resources).map((r) => (isObject(r) ? String(r.Type) : ''))
    : [];
  if (value.ROSTemplateFormatVersion !== undefined || transform.includes('Aliyun::Serverless'))
    return 'fc';
  if (types.some((t) => t.startsWith('Aliyun::Serverless::'))) return 'fc';
  if (transform.includes('AWS::Serverless') || types.includes('AWS::Serverless::Function'))
    return 'sam';
  if (value.project === undefined && value.service !== undefined) return 'serverless';
  return 'nimbus';
}

/** Checks a translated manifest with the same schema (positions are the source file's: unknown). */
function checkTranslated(file: string, manifest: Manifest): void {
  const shim: YamlFile = {
    file,
    value: manifest,
    position: () => ({ line: 0, column: 0 }),
    issue: (_p, message) => ({
      file,
      line: 0,
      column: 0,
      message: `translated to nimbus.yml: ${message}`,
    }),
  };
  validateManifest(shim);
}

/** The project name for templates that have none: the folder's name. */
function folderProject(file: string): string {
  return (
    path.basename(path.dirname(path.resolve(file))).replace(/[^a-zA-Z0-9_-]/g, '-') || 'project'
  );
}

/**
 * Reads `file`: a nimbus.yml is validated against the schema; serverless.yml,
 * SAM template.yaml and Function Compute template.yml are recognised by their
 * content, translated, then checked against the same schema. Throws a
 * ManifestError (file:line:column lines) when the file cannot be used.
 * @example const p = await loadProject('serverless.yml'); p.kind // 'serverless'
 */
export async function loadProject(file: string): Promise<LoadedProject> {
  const yaml = await readYaml(file);
  const kind = detectKind(yaml.value);
  const baseDir = path.dirname(path.resolve(file));
  if (kind === 'nimbus') {
    const loaded = await loadManifest(file);
    return { file, kind, baseDir, manifest: loaded.manifest, warnings: [] };
  }
  const ctx = new ImportContext(yaml);
  const manifest =
    kind === 'serverless'
      ? importServerless(ctx)
      : kind === 'sam'
        ? importSam(ctx, folderProject(file))
        : importFc(ctx, folderProject(file));
  if (Object.keys(manifest.functions).length === 0) {
    throw new ManifestError([
      { file, line: 0, column: 0, message: `no functions found (read as ${kind})` },
    ]);
  }
  checkTranslated(file, manifest);
  return { file, kind, baseDir, manifest: applyDefaults(manifest), warnings: ctx.warnings };
}

/** Translates a parsed file of another kind (for tests and `nimbus deploy --print`). */
export function translate(
  yaml: YamlFile,
  project = 'project',
): { kind: ProjectKind; manifest: Manifest; warnings: ManifestIssue[] } {
  const kind = detectKind(yaml.value);
  const ctx = new ImportContext(yaml);
  const value = yaml.value as Json;
  const manifest =
    kind === 'serverless'
      ? importServerless(ctx)
      : kind === 'sam'
        ? importSam(ctx, project)
        : kind === 'fc'
          ? importFc(ctx, project)
          : (value as unknown as Manifest);
  return { kind, manifest, warnings: ctx.warnings };
}
