export { type CreateInput, FunctionRegistry, type RegistryDeps } from './registry.js';
export { checkRuntime, checkSettings, type FunctionSettings } from './validate.js';
