import { benchQueueMapping } from '../queue.js';
import { benchS3 } from '../s3.js';
import type { BenchGroup, GroupResult } from './groups.js';
import { startNimbus } from './nimbus-server.js';

/**
 * The built-in services on one server: messages/s through a queue → function mapping
 * (against plain SDK consumers of the same server) and S3 PutObject/GetObject MB/s for
 * 1 MB and 100 MB objects (against fs.writeFile/readFile of the same bytes).
 * Knobs: QUEUE_MESSAGES=3000, QUEUE_CONCURRENCY=5.
 */
export const servicesGroup: BenchGroup = {
  name: 'services',
  title: 'built-in SQS and S3 (SDK v3 clients, one server, unpinned)',
  async run(ctx): Promise<GroupResult> {
    const server = await startNimbus({ root: ctx.root, own: ctx.own });
    try {
      const endpoint = `http://127.0.0.1:${server.port}`;
      const queue = await benchQueueMapping(endpoint, {
        messages: ctx.int('QUEUE_MESSAGES', 3000),
        concurrency: ctx.int('QUEUE_CONCURRENCY', 5),
      });
      const s3Rows = await benchS3(endpoint);
      return {
        rows: [...queue.rows, ...s3Rows],
        results: { queue: { ...queue, rows: undefined }, s3: s3Rows },
      };
    } finally {
      await server.stop();
    }
  },
};
