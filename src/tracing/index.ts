export { ATTR, type FaasTrigger, NIMBUS_ATTR } from './attributes.js';
export {
  InvocationTrace,
  type TracedFunction,
  type TracedRun,
} from './invocation-trace.js';
export {
  type TracedRoute,
  Tracing,
  type TracingOptions,
  tracesUrl,
  withTraceparentHeader,
} from './tracing.js';
export { spanContextOfXray, traceparentOf, xrayHeader } from './xray.js';
