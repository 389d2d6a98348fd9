export { type ChannelState, RuntimeChannel } from './channel.js';
export {
  ExtensionHub,
  type ExtensionListener,
  MAX_EXTENSIONS,
  type ShutdownReason,
} from './extensions.js';
export { RuntimeApiServer } from './server.js';
export {
  type ChannelListener,
  MAX_RESPONSE_BYTES,
  MAX_STREAMED_RESPONSE_BYTES,
  type ResponseStreamSink,
  type RuntimeInvocation,
  type RuntimeOutcome,
} from './types.js';
