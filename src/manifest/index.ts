/**
 * Project manifests: `nimbus.yml` (its model, JSON Schema and validation with
 * file:line:column errors), importers for serverless.yml, SAM and Function
 * Compute templates, and the planner that compares a manifest with the server.
 * Talks to no server: the CLI reads state and applies plans.
 */
export { formatIssue, ManifestError } from './errors.js';
export { formatPlan } from './format-plan.js';
export { applyDefaults, type LoadedManifest, loadManifest } from './load.js';
export {
  detectKind,
  type LoadedProject,
  loadProject,
  type ProjectKind,
  translate,
} from './load-project.js';
export { type PackagedCode, packageCode } from './package-code.js';
export {
  type Change,
  type ChangeAction,
  changedFields,
  countActions,
  isNoop,
  type Plan,
  planChanges,
} from './plan.js';
export {
  type CodeInfo,
  desiredResources,
  FUNCTION_DEFAULTS,
  KINDS,
  layerCodeKey,
  PROJECT_TAG,
  type Resource,
  type ResourceKind,
  routeKey,
} from './resources.js';
export { MANIFEST_SCHEMA } from './schema.js';
export type * from './types.js';
export { validateManifest } from './validate.js';
export { parseYaml, readYaml, type YamlFile } from './yaml-file.js';
