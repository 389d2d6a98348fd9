export { ATTR, type FaasTrigger, NIMBUS_ATTR } from './attributes.js';
export { tracesUrl, withTraceparentHeader } from './http.js';
export {
  InvocationTrace,
  type TracedFunction,
  type TracedRun,
} from './invocation-trace.js';
export { type TracedRoute, Tracing, type TracingOptions } from './tracing.js';
export { spanContextOfXray, traceparentOf, xrayHeader } from './xray.js';
