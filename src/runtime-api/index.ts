export { type ChannelState, RuntimeChannel } from './channel.js';
export { RuntimeApiServer } from './server.js';
export {
  type ChannelListener,
  MAX_RESPONSE_BYTES,
  type RuntimeInvocation,
  type RuntimeOutcome,
} from './types.js';
