export { retryDelayMs, throttleDelayMs } from './backoff.js';
export { AsyncDispatcher, type DispatcherOptions } from './dispatcher.js';
export { AsyncQueue, type AsyncQueueOptions } from './queue.js';
export type { AsyncEnqueuer, EnqueueRequest, EnqueueResult } from './types.js';
