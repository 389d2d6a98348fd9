import { existsSync } from 'node:fs';
import path from 'node:path';
import { formatIssue, loadProject, ManifestError } from '../../manifest/index.js';
import { CliError } from '../errors.js';
import { err } from '../output.js';
import type { ProjectSource } from './deploy-project.js';

/** Looked for in the current folder when no `-f` is given, first found wins. */
const CANDIDATES = ['nimbus.yml', 'nimbus.yaml'];

/**
 * The manifest `-f FILE` names, else `nimbus.yml` in the current folder,
 * loaded (nimbus.yml, or translated from serverless.yml / SAM / Function
 * Compute). Importer warnings go to stderr; problems become a CliError with
 * file:line:column lines.
 */
export async function findProject(file: string | undefined): Promise<ProjectSource> {
  let chosen = file;
  if (!chosen) {
    chosen = CANDIDATES.find((c) => existsSync(c));
    if (!chosen) {
      throw new CliError(
        `no nimbus.yml in ${process.cwd()}: write one (see docs/manifest.md) or pass -f FILE (nimbus.yml, serverless.yml, SAM template.yaml, Function Compute template.yml)`,
      );
    }
  }
  try {
    const loaded = await loadProject(path.relative(process.cwd(), chosen) || chosen);
    for (const w of loaded.warnings) err(`warning: ${formatIssue(w)}`);
    return { file: loaded.file, baseDir: loaded.baseDir, manifest: loaded.manifest };
  } catch (e) {
    if (e instanceof ManifestError) {
      throw new CliError(`${chosen} is not a valid manifest:\n${e.message}`, { plain: false });
    }
    throw e;
  }
}
