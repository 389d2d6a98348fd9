export { EventSourceMappings, type MappingInput, type MappingsDeps } from './mappings.js';
export { DEFAULT_MAX_CONCURRENCY, failedItems, MappingPoller } from './poller.js';
export type { BatchInvoker, BatchOutcome, PolledMessage, QueueSource } from './types.js';
