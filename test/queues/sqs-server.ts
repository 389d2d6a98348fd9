import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AwsRequest } from '../../src/aws/request.js';
import { handleSqsRequest, QueueService } from '../../src/queues/index.js';
import { type Clock, systemClock } from '../../src/shared/clock.js';
import { randomIds } from '../../src/shared/ids.js';
import { openSqliteStore, type Store } from '../../src/store/index.js';

/** The account and region of every test server. */
export const TEST_ARN = { region: 'us-east-1', accountId: '123456789012' };

/** A running SQS endpoint on 127.0.0.1 backed by a real SQLite file. */
export interface SqsTestServer {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  service: QueueService;
  store: Store;
  file: string;
  close(): Promise<void>;
}

/** Reads the body, builds the AwsRequest the front door would (baseUrl from Host) and answers. */
export function sqsListener(service: QueueService) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: AwsRequest = {
        req,
        res,
        requestId: randomUUID(),
        region: TEST_ARN.region,
        accountId: TEST_ARN.accountId,
        baseUrl: `http://${req.headers.host ?? '127.0.0.1'}`,
        accessKeyId: null,
        payloadSha256: null,
      };
      void handleSqsRequest(service, r, Buffer.concat(chunks));
    });
  };
}

/**
 * Starts a plain `http.createServer` on 127.0.0.1, port 0, whose every request
 * goes to handleSqsRequest; the store is a fresh SQLite file unless `file` is given.
 */
export async function startSqsServer(
  o: { file?: string; clock?: Clock; maxMessageBytes?: number } = {},
): Promise<SqsTestServer> {
  const dir = o.file ? null : mkdtempSync(path.join(tmpdir(), 'nimbus-sqs-'));
  const file = o.file ?? path.join(dir!, 'nimbus.db'); // dir is set whenever file is not.
  const store = await openSqliteStore(file);
  const service = new QueueService({
    store,
    clock: o.clock ?? systemClock,
    ids: randomIds,
    arn: TEST_ARN,
    maxMessageBytes: o.maxMessageBytes ?? 256 * 1024,
  });
  const server = createServer(sqsListener(service));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo; // A TCP listener's address is an object.
  return {
    endpoint: `http://127.0.0.1:${port}`,
    service,
    store,
    file,
    async close() {
      service.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
