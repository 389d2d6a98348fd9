import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueueService } from '../../src/queues/index.js';
import { randomIds } from '../../src/shared/ids.js';
import { openSqliteStore, type Store } from '../../src/store/index.js';
import { movableClock } from '../helpers/clock.js';
import { TEST_ARN } from './sqs-server.js';

/** A QueueService on a fresh SQLite file with a clock the test moves. */
export interface Engine {
  sqs: QueueService;
  store: Store;
  advance(ms: number): void;
  close(): Promise<void>;
}

export async function startEngine(maxMessageBytes = 256 * 1024): Promise<Engine> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nimbus-sqs-engine-'));
  const store = await openSqliteStore(path.join(dir, 'nimbus.db'));
  const { clock, advance } = movableClock();
  const sqs = new QueueService({ store, clock, ids: randomIds, arn: TEST_ARN, maxMessageBytes });
  return {
    sqs,
    store,
    advance,
    async close() {
      sqs.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The attributes GetQueueAttributes answers for `names`. */
export function attributes(e: Engine, queue: string, ...names: string[]) {
  return e.sqs.registry.attributes(queue, names.length ? names : ['All']);
}
