export { type AliasInput, AliasService } from './aliases.js';
export { LayerService, MAX_LAYERS, type PublishLayerInput } from './layers.js';
export {
  type AllocationStatus,
  ProvisionedConcurrency,
  type ProvisionedFleetControl,
  type ProvisionedView,
} from './provisioned.js';
export { type CreateInput, FunctionRegistry, type RegistryDeps } from './registry.js';
export { type ResolvedTarget, resolveTarget } from './resolve.js';
export {
  DEFAULT_SERVICE,
  SERVICE_NAME_RE,
  type ServiceChanges,
  type ServiceInput,
  ServiceRegistry,
} from './services.js';
export { checkRuntime, checkSettings, type FunctionSettings } from './validate.js';
