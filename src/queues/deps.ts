import type { Clock } from '../shared/clock.js';
import type { IdGenerator } from '../shared/ids.js';
import type { Store } from '../store/index.js';
import type { QueueArnContext } from './names.js';
import type { QueueSignals } from './signals.js';

/** What the queue service's parts share. */
export interface QueueDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  arn: QueueArnContext;
  /** The largest message (body plus attributes) any queue accepts. */
  maxMessageBytes: number;
  signals: QueueSignals;
}
