export { type AliasInput, AliasService } from './aliases.js';
export { LayerService, MAX_LAYERS, type PublishLayerInput } from './layers.js';
export { type CreateInput, FunctionRegistry, type RegistryDeps } from './registry.js';
export { type ResolvedTarget, resolveTarget } from './resolve.js';
export { checkRuntime, checkSettings, type FunctionSettings } from './validate.js';
