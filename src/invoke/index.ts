export {
  type InvokeRequest,
  type InvokeResponse,
  Invoker,
  type InvokerDeps,
  MAX_SYNC_PAYLOAD_BYTES,
  poolKeyOf,
} from './invoker.js';
