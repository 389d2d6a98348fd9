import { loadManifest } from './load.js';
import type { Manifest, ManifestIssue } from './types.js';

/** A manifest of any supported kind, as the nimbus.yml model. */
export interface LoadedProject {
  file: string;
  kind: 'nimbus' | 'serverless' | 'sam' | 'fc';
  baseDir: string;
  manifest: Manifest;
  /** What an importer could not map, each with where it is. */
  warnings: ManifestIssue[];
}

/**
 * Reads `file` as a nimbus.yml, validated against the schema.
 * @example const p = await loadProject('nimbus.yml'); p.manifest.project
 */
export async function loadProject(file: string): Promise<LoadedProject> {
  const loaded = await loadManifest(file);
  return { file, kind: 'nimbus', baseDir: loaded.baseDir, manifest: loaded.manifest, warnings: [] };
}
